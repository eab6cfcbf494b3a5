import { ConfigError, Rng, ShapeError, StateDictError, tf } from '@patchwork/tensor-core';
import { assertAllClose, expectNoLeaks, loadFixtureCase } from '@patchwork/tensor-core/testing';
import { VisionTransformer } from '@patchwork/vit';
import { describe, expect, it } from 'vitest';
import { parseMaeConfig } from './config.js';
import type { MaeConfigInput } from './config.js';
import { fromMaeConfig, loadMaeCheckpoint, loadMaeEncoder } from './from-mae.js';
import { MaskedAutoencoderViT } from './masked-autoencoder.js';
import { MAE_PRESETS, createMae } from './presets.js';

const TINY: MaeConfigInput = { imgSize: 16, patchSize: 4, embedDim: 32, depth: 2, numHeads: 2, decoderEmbedDim: 16, decoderDepth: 1, decoderNumHeads: 2 };
const build = (config: MaeConfigInput = {}): MaskedAutoencoderViT => new MaskedAutoencoderViT({ ...TINY, ...config }, { rng: new Rng(1) });
const images = (b = 2, size = 16, c = 3): tf.Tensor4D => new Rng(2).normal([b, size, size, c]) as tf.Tensor4D;

/** The official model's `sum(p.numel() for p in model.parameters())`, written out from models_mae.py. */
function officialParamCount(input: MaeConfigInput): { all: number; trainable: number } {
  const c = parseMaeConfig(input);
  const l = (c.imgSize / c.patchSize) ** 2;
  const block = (d: number): number => {
    const h = Math.floor(d * c.mlpRatio);
    return 4 * d + (3 * d * d + 3 * d) + (d * d + d) + (d * h + h) + (h * d + d);
  };
  const [d, dd, out] = [c.embedDim, c.decoderEmbedDim, c.patchSize ** 2 * c.inChans];
  const frozen = (l + 1) * d + (l + 1) * dd; // pos_embed and decoder_pos_embed (requires_grad=False)
  const trainable =
    d * c.inChans * c.patchSize ** 2 + d + d + c.depth * block(d) + 2 * d + (d * dd + dd) + dd + c.decoderDepth * block(dd) + 2 * dd + (dd * out + out);
  return { all: trainable + frozen, trainable };
}

describe('MaskedAutoencoderViT', () => {
  it('has exactly the official state-dict names and shapes', () => {
    const c = loadFixtureCase('mae/tiny_normpix');
    const model = new MaskedAutoencoderViT(fromMaeConfig(c.caseJson.constructor as Record<string, unknown>));
    const sd = model.stateDict();
    expect(Object.keys(sd).sort()).toEqual(Object.keys(c.weights).sort());
    for (const [k, v] of Object.entries(c.weights)) expect(sd[k]!.shape, k).toEqual(v.shape);
    tf.dispose(Object.values(sd));
    model.dispose();
    c.dispose();
  });

  it.each(Object.entries(MAE_PRESETS))('%s: recorded counts equal the official module structure', (_, preset) => {
    expect(officialParamCount(preset.config)).toEqual({ all: preset.params, trainable: preset.trainableParams });
  });

  it.each(['mae_vit_micro_patch4_28', 'mae_vit_micro_patch4_32', 'mae_vit_tiny_patch4_32'] as const)('%s: built model matches both conventions', (name) => {
    const model = createMae(name);
    // numParameters: trainable only (the sin-cos tables are buffers); numParametersTorch: PyTorch's parameters() count.
    expect(model.numParameters()).toBe(MAE_PRESETS[name].trainableParams);
    expect(model.numParametersTorch()).toBe(MAE_PRESETS[name].params);
    expect(model.parameters().every((v) => v.trainable)).toBe(true);
    model.dispose();
  });

  it('fixed sin-cos position embeddings: cls row zero, values in [−1, 1], rows unique, not trainable', () => {
    const model = build();
    const pos = model.posEmbed.arraySync() as number[][][];
    expect(pos[0]![0]!.every((v) => v === 0)).toBe(true);
    expect(pos[0]!.flat().every((v) => v >= -1 && v <= 1)).toBe(true);
    expect(new Set(pos[0]!.map((r) => r.join(','))).size).toBe(17);
    expect(model.posEmbed.trainable || model.decoderPosEmbed.trainable).toBe(false);
    model.dispose();
  });

  it('forward returns loss, prediction and masking outputs with the documented shapes', () => {
    const model = build({ normPixLoss: true });
    const x = images();
    const out = model.forward(x, { maskRatio: 0.75 });
    expect([out.latent.shape, out.pred.shape, out.mask.shape, out.idsRestore.shape, out.idsKeep.shape, out.loss.shape]).toEqual([
      [2, 5, 32],
      [2, 16, 48],
      [2, 16],
      [2, 16],
      [2, 4],
      [],
    ]);
    expect(out.mask.sum().dataSync()[0]).toBe(24);
    tf.dispose([x, ...Object.values(out)]);
    model.dispose();
  });

  it('without noise it draws the masking from its seeded Rng, so equal seeds give equal masks', () => {
    const x = images();
    const [a, b] = [new MaskedAutoencoderViT(TINY, { rng: new Rng(9) }), new MaskedAutoencoderViT(TINY, { rng: new Rng(9) })];
    const [ea, eb] = [a.forwardEncoder(x), b.forwardEncoder(x)];
    expect(ea.idsRestore.arraySync()).toEqual(eb.idsRestore.arraySync());
    const again = a.forwardEncoder(x);
    expect(again.idsRestore.arraySync()).not.toEqual(ea.idsRestore.arraySync());
    tf.dispose([x, ...Object.values(ea), ...Object.values(eb), ...Object.values(again)]);
    a.dispose();
    b.dispose();
  });

  it('the loss only counts masked patches', () => {
    const model = build();
    const x = images();
    const noise = new Rng(4).uniform([2, 16]);
    const { mask, idsRestore, latent } = model.forwardEncoder(x, { noise });
    const pred = model.forwardDecoder(latent, idsRestore);
    const target = model.lossTarget(x);
    // Replacing the prediction on visible patches by anything leaves the loss unchanged.
    const keepMask = tf.expandDims(tf.sub(1, mask), -1);
    const tampered = tf.add(pred, tf.mul(keepMask, 100));
    const [l1, l2] = [model.forwardLoss(x, pred, mask), model.forwardLoss(x, tampered, mask)];
    assertAllClose(l1, l2, { atol: 1e-6 });
    // A perfect prediction of the masked patches gives zero.
    const perfect = model.forwardLoss(x, tf.add(tf.mul(target, tf.expandDims(mask, -1)), tf.mul(keepMask, 7)), mask);
    expect(perfect.dataSync()[0]).toBeCloseTo(0, 6);
    tf.dispose([x, noise, mask, idsRestore, latent, pred, target, keepMask, tampered, l1, l2, perfect]);
    model.dispose();
  });

  it('norm-pix target uses the unbiased per-patch variance', () => {
    const model = build({ normPixLoss: true });
    const x = images(1);
    const t = model.lossTarget(x);
    const p = model.patchify(x);
    const row = Array.from(p.slice([0, 3, 0], [1, 1, 48]).dataSync());
    const mean = row.reduce((s, v) => s + v, 0) / 48;
    const varUnbiased = row.reduce((s, v) => s + (v - mean) ** 2, 0) / 47;
    const want = row.map((v) => (v - mean) / Math.sqrt(varUnbiased + 1e-6));
    assertAllClose(t.slice([0, 3, 0], [1, 1, 48]).reshape([48]), want, { atol: 1e-5 });
    tf.dispose([x, t, p]);
    model.dispose();
  });

  it('rejects bad inputs with errors naming the problem', () => {
    const model = build();
    const bad = [images(1, 20), images(1, 16, 1), tf.zeros([16, 16, 3])];
    for (const x of bad) expect(() => model.forward(x)).toThrow(/expected NHWC images \[B, 16, 16, 3\]/);
    const x = images(2);
    const noise = tf.zeros([2, 9]);
    expect(() => model.forwardEncoder(x, { noise })).toThrow(/noise must be \[2, 16\]/);
    const latent = tf.zeros([2, 5, 8]);
    const ids = tf.zeros([2, 16], 'int32');
    expect(() => model.forwardDecoder(latent, ids)).toThrow(ShapeError);
    expect(() => model.forwardDecoder(latent, ids)).toThrow(/expected latent \[B, 1 \+ lenKeep, 32\], got \[2, 5, 8\]/);
    expect(() => model.forwardLoss(x, tf.zeros([2, 16, 48]), tf.zeros([2, 15]))).toThrow(/expected mask \[2, 16\], got \[2, 15\]/);
    tf.dispose([...bad, x, noise, latent, ids]);
    model.dispose();
  });

  it('rejects invalid and unknown configs, official kwargs included', () => {
    expect(() => new MaskedAutoencoderViT({ ...TINY, imgSize: 18 })).toThrow(/imgSize \(18\) must be a multiple of patchSize \(4\)/);
    expect(() => new MaskedAutoencoderViT({ ...TINY, decoderEmbedDim: 18 })).toThrow(/decoderEmbedDim \(18\) must be a multiple of 4/);
    expect(() => new MaskedAutoencoderViT({ ...TINY, embed_dim: 8 } as MaeConfigInput)).toThrow(ConfigError);
    expect(fromMaeConfig({ img_size: 32, norm_layer: 'functools.partial(nn.LayerNorm, eps=1e-6)' }).normEps).toBe(1e-6);
    expect(fromMaeConfig({ img_size: 32 }).normEps).toBe(1e-5);
    expect(() => fromMaeConfig({ img_size: 32, qk_scale: null, norm_layer: 'RMSNorm' })).toThrow(/qk_scale: not a MaskedAutoencoderViT argument[\s\S]*norm_layer="RMSNorm": only \(partial\) nn.LayerNorm/);
  });

  it('leaks no tensors in any public method, and dispose frees every weight', async () => {
    const before = tf.memory().numTensors;
    const model = build({ normPixLoss: true });
    const x = images();
    const noise = new Rng(3).uniform([2, 16]);
    const enc = model.forwardEncoder(x, { noise });
    const pred = model.forwardDecoder(enc.latent, enc.idsRestore);
    await expectNoLeaks(() => tf.dispose(Object.values(model.forward(x, { noise }))));
    await expectNoLeaks(() => tf.dispose(Object.values(model.forward(x))));
    await expectNoLeaks(() => tf.dispose(Object.values(model.forwardEncoder(x, { noise, maskRatio: 0.5 }))));
    await expectNoLeaks(() => model.forwardDecoder(enc.latent, enc.idsRestore).dispose());
    await expectNoLeaks(() => model.forwardLoss(x, pred, enc.mask).dispose());
    await expectNoLeaks(() => model.lossTarget(x).dispose());
    await expectNoLeaks(() => model.unpatchify(pred).dispose());
    await expectNoLeaks(() => tf.dispose(Object.values(model.encoderStateDict())));
    await expectNoLeaks(() => expect(() => model.forwardEncoder(x, { noise: pred })).toThrow(ShapeError));
    tf.dispose([x, noise, pred, ...Object.values(enc)]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('official checkpoints', () => {
  it('an encoder-only checkpoint loads into a ViT whose features equal the MAE encoder without masking', () => {
    const mae = build();
    const encoderOnly = mae.encoderStateDict(); // the mae_pretrain_vit_* layout
    expect(() => loadMaeCheckpoint(mae, encoderOnly)).toThrow(/encoder-only MAE checkpoint.*loadMaeEncoder/);
    const vit = new VisionTransformer({ imgSize: 16, patchSize: 4, embedDim: 32, depth: 2, numHeads: 2, numClasses: 3 }).eval();
    loadMaeEncoder(vit, encoderOnly);
    const x = images();
    // mask ratio 0 with increasing noise keeps every patch in order: the plain encoder.
    const noise = tf.tile(tf.reshape(tf.range(0, 16), [1, 16]), [2, 1]);
    const { latent, idsKeep } = mae.forwardEncoder(x, { maskRatio: 0, noise });
    const features = vit.forwardFeatures(x);
    assertAllClose(features, latent, { atol: 1e-5 });
    expect(idsKeep.arraySync()[0]).toEqual([...Array(16).keys()]);
    // MAE's fine-tuning head init: trunc_normal(std=2e-5).
    expect(tf.max(tf.abs(vit.head!.weight)).dataSync()[0]).toBeLessThan(1e-4);
    tf.dispose([x, noise, latent, idsKeep, features, ...Object.values(encoderOnly)]);
    vit.dispose();
    mae.dispose();
  });

  it('with global average pooling the encoder norm is dropped and pos_embed is resampled to a new size', () => {
    const c = loadFixtureCase('mae/tiny_normpix');
    const vit = new VisionTransformer({ imgSize: 48, patchSize: 8, embedDim: 48, depth: 2, numHeads: 3, numClasses: 10, globalPool: 'avg' });
    const result = loadMaeEncoder(vit, c.weights);
    expect(result.missing.sort()).toEqual(['fc_norm.bias', 'fc_norm.weight', 'head.bias', 'head.weight']);
    expect(vit.posEmbed!.shape).toEqual([1, 37, 48]);
    const cls = vit.posEmbed!.slice([0, 0, 0], [1, 1, 48]);
    expect(Array.from(cls.dataSync()).every((v) => v === 0)).toBe(true);
    const wrong = new VisionTransformer({ imgSize: 32, patchSize: 8, embedDim: 48, depth: 3, numHeads: 3 });
    expect(() => loadMaeEncoder(wrong, c.weights)).toThrow(StateDictError);
    expect(() => loadMaeEncoder(wrong, c.weights)).toThrow(/missing key: blocks.2.norm1.weight/);
    tf.dispose(cls);
    vit.dispose();
    wrong.dispose();
    c.dispose();
  });

  it('a checkpoint of another model is refused with the keys at fault', () => {
    const model = build();
    const other = { 'features.0.0.weight': tf.zeros([8, 3, 3, 3]) };
    expect(() => loadMaeCheckpoint(model, other)).toThrow(/no key matched: is this a checkpoint of another model\?/);
    tf.dispose(Object.values(other));
    model.dispose();
  });
});
