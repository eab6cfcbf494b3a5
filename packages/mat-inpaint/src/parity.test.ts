import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nchwToNhwc, nhwcToNchw, tf } from '@patchwork/tensor-core';
import { expectNoLeaks, loadFixtureCase, maxAbsDiff } from '@patchwork/tensor-core/testing';
import type { FixtureCase } from '@patchwork/tensor-core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { MatDiscriminator } from './discriminator.js';
import {
  basicLayerFromOfficial,
  conv2dLayerPartialFromOfficial,
  decStyleBlockFromOfficial,
  firstStageFromOfficial,
  loadOfficialStateDict,
  mappingNetFromOfficial,
  swinBlockFromOfficial,
  windowAttentionFromOfficial,
} from './from-official.js';
import { MatGenerator } from './generator.js';
import type { Module } from '@patchwork/layers';

// Every tooling/fixtures/mat case (official PyTorch outputs), built through the public
// official-kwargs mapping and loaded with the official state dicts. Masks must match exactly.

const cases: FixtureCase[] = [];
function load(name: string): FixtureCase {
  const c = loadFixtureCase(path.isAbsolute(name) ? name : `mat/${name}`);
  cases.push(c);
  return c;
}
afterAll(() => cases.forEach((c) => c.dispose()));

function check(label: string, actual: tf.Tensor, expected: tf.Tensor, tol: number): number {
  expect(actual.shape, label).toEqual(expected.shape);
  const err = maxAbsDiff(actual, expected);
  expect(err, label).toBeLessThanOrEqual(tol);
  return err;
}

function build<M extends Module>(c: FixtureCase, make: (kwargs: unknown) => M): M {
  const m = make(c.caseJson.constructor);
  loadOfficialStateDict(m, c.weights);
  return m.eval();
}

const tol = (c: FixtureCase): number => c.caseJson.tolerance.max_abs;

describe('MAT parity with the official PyTorch modules', () => {
  it('conv_partial_down2: partial-conv mask update and rescaling, down=2 blur + stride', async () => {
    const c = load('conv_partial_down2');
    const m = build(c, conv2dLayerPartialFromOfficial);
    const x = nchwToNhwc(c.io.x!);
    const mask = nchwToNhwc(c.io.mask!);
    const out = m.forward(x, mask);
    check('y', nhwcToNchw(out.x), c.io.y!, tol(c));
    check('update_mask', nhwcToNchw(out.mask!), c.io.update_mask!, 0);
    const plain = m.forward(x);
    check('y_without_mask', nhwcToNchw(plain.x), c.io.y_without_mask!, tol(c));
    await expectNoLeaks(() => {
      const r = m.forward(x, mask);
      tf.dispose([r.x, r.mask!]);
    });
    m.dispose();
  });

  it('window_attention_masked: normalised q/k, −100 hole keys, window mask update', () => {
    const c = load('window_attention_masked');
    const m = build(c, windowAttentionFromOfficial);
    const io = c.io as Record<string, tf.Tensor3D>;
    const a = m.forward(io.x_windows!, io.mask_windows!, io.attn_mask!);
    check('y_with_shift_mask', a.x, io.y_with_shift_mask!, tol(c));
    check('mask_windows_out', a.maskWindows!, io.mask_windows_out!, 0);
    check('y_without_shift_mask', m.forward(io.x_windows!, io.mask_windows!).x, io.y_without_shift_mask!, tol(c));
    check('y_no_masks', m.forward(io.x_windows!).x, io.y_no_masks!, tol(c));
    m.dispose();
  });

  it('swin_block_shifted: adjusted block (fusion, no LN/residual) with shift and mask roll', async () => {
    const c = load('swin_block_shifted');
    const m = build(c, swinBlockFromOfficial);
    const io = c.io as Record<string, tf.Tensor3D>;
    const out = m.forward(io.x!, [8, 8], io.mask!);
    check('y', out.x, io.y!, tol(c));
    check('mask_out', out.mask!, io.mask_out!, 0);
    check('y_without_mask', m.forward(io.x!, [8, 8]).x, io.y_without_mask!, tol(c));
    await expectNoLeaks(() => {
      const r = m.forward(io.x!, [8, 8], io.mask!);
      tf.dispose([r.x, r.mask!]);
    });
    m.dispose();
  });

  it('basic_layer_patchmerging: merge, two blocks, partial conv + global residual', () => {
    const c = load('basic_layer_patchmerging');
    const m = build(c, basicLayerFromOfficial);
    const io = c.io as Record<string, tf.Tensor3D>;
    const out = m.forward(io.x!, [16, 16], io.mask!);
    check('y', out.x, io.y!, tol(c));
    check('mask_out', out.mask!, io.mask_out!, 0);
    expect(out.xSize).toEqual(Array.from(io.x_size_out!.dataSync()));
    m.dispose();
  });

  it('dec_style_block: modulated convs (demodulation, up=2), skip, toRGB accumulation', () => {
    const c = load('dec_style_block');
    const m = build(c, decStyleBlockFromOfficial);
    const io = c.io;
    const [x, img, skip] = [io.x!, io.img!, io.skip!].map(nchwToNhwc);
    const a = m.forward(x!, img!, io.style!, skip!);
    check('x_out', nhwcToNchw(a.x), io.x_out!, tol(c));
    check('img_out', nhwcToNchw(a.img), io.img_out!, tol(c));
    const b = m.forward(x!, null, io.style!, skip!);
    check('x_out_img_none', nhwcToNchw(b.x), io.x_out_img_none!, tol(c));
    check('img_out_img_none', nhwcToNchw(b.img), io.img_out_img_none!, tol(c));
    m.dispose();
  });

  it('mapping_net: 2nd-moment normalisation, equalised-LR FCs, truncation with and without cutoff', () => {
    const c = load('mapping_net');
    const m = build(c, mappingNetFromOfficial);
    const z = c.io.z!;
    check('ws', m.forward(z), c.io.ws!, tol(c));
    check('ws_psi0.7', m.forward(z, { truncationPsi: 0.7 }), c.io['ws_psi0.7']!, tol(c));
    check('ws_psi0.7_cutoff2', m.forward(z, { truncationPsi: 0.7, truncationCutoff: 2 }), c.io['ws_psi0.7_cutoff2']!, tol(c));
    m.dispose();
  });

  it('first_stage_128_dim24: the whole coarse stage with the recorded token-mixing map', () => {
    const c = load('first_stage_128_dim24');
    const m = build(c, firstStageFromOfficial);
    expect(m.numParameters()).toBe(c.caseJson.param_count);
    const io = c.io;
    const out = m.forwardWithIntermediates(nchwToNhwc(io.images_in!), nchwToNhwc(io.masks_in!), io.ws! as tf.Tensor3D, { mixMap: io.dropout_mul_map! });
    check('img_out', nhwcToNchw(out.img), io.img_out!, tol(c));
    for (const [name, value] of Object.entries(out.intermediates)) {
      const isMask = name.includes('mask');
      check(name, name.startsWith('conv_first') ? nhwcToNchw(value) : value, io[`intermediate.${name}`]!, isMask ? 0 : tol(c));
    }
    expect(Object.keys(out.intermediates).sort()).toEqual(Object.keys(io).filter((k) => k.startsWith('intermediate.')).map((k) => k.slice(13)).sort());
    m.dispose();
  });
});

describe('MAT full generator and discriminators (official code at a narrow width)', () => {
  // scripts/generator_reference.py: the official Generator/Discriminator with only the width table
  // and FirstStage's dim patched; covers the Conv-U-Net, noise, second-stage mixing and both Ds.
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'generator_128_narrow');

  it('Generator(…, truncation 0.7, const noise) and Discriminator match, parameter counts too', () => {
    const c = load(dir);
    const cfg = (c.caseJson as unknown as { patchwork_config: object }).patchwork_config;
    const counts = c.caseJson.param_count as unknown as { G: number; D: number };
    const split = (prefix: string): Record<string, tf.Tensor> =>
      Object.fromEntries(Object.entries(c.weights).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
    const G = new MatGenerator(cfg);
    const D = new MatDiscriminator(cfg);
    expect(G.numParameters()).toBe(counts.G);
    expect(D.numParameters()).toBe(counts.D);
    loadOfficialStateDict(G, split('G.'));
    loadOfficialStateDict(D, split('D.'));
    G.eval();
    const io = c.io;
    const masks = nchwToNhwc(io.masks_in!);
    const out = G.forward(nchwToNhwc(io.images_in!), masks, io.z! as tf.Tensor2D, {
      truncationPsi: 0.7,
      noiseMode: 'const',
      mixMaps: { firstStage: io.dropout_mul_map_stage1!, secondStage: nchwToNhwc(io.dropout_mul_map_stage2!) },
    });
    check('img', nhwcToNchw(out.img), io.img!, tol(c));
    check('img_stg1', nhwcToNchw(out.imgStg1), io.img_stg1!, tol(c));
    const d = D.forward(nchwToNhwc(io.img!), masks, nchwToNhwc(io.img_stg1!));
    check('logits', d.logits, io.logits!, 1e-4);
    check('logits_stg1', d.logitsStg1, io.logits_stg1!, 1e-4);
    G.dispose();
    D.dispose();
  });
});
