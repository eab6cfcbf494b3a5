// Parity with the official models_mae.MaskedAutoencoderViT on every tooling/fixtures/mae case
// (tensors read with tensor-core's safetensors reader; see tooling/fixtures/README.md).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nchwToNhwc, nhwcToNchw, tf } from '@patchwork/tensor-core';
import { assertAllClose, fixtureCaseDirs, loadFixtureCase } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { fromMaeConfig, loadMaeCheckpoint } from './from-mae.js';
import { MaskedAutoencoderViT } from './masked-autoencoder.js';

// The shipped fixtures plus cases for configs they do not cover (scripts/unseen_cases.py).
const UNSEEN = fileURLToPath(new URL('./__fixtures__/unseen', import.meta.url));
const cases = [...fixtureCaseDirs('mae'), ...fs.readdirSync(UNSEEN).map((d) => path.join(UNSEEN, d))];

describe('parity with the official MaskedAutoencoderViT', () => {
  it('has fixture cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(5);
  });

  it.each(cases.map((dir) => [path.basename(dir), dir]))('%s', (name, dir) => {
    const c = loadFixtureCase(dir);
    const model = new MaskedAutoencoderViT(fromMaeConfig(c.caseJson.constructor as Record<string, unknown>)).eval();
    // The official sin-cos tables are in the checkpoint: check our generator against them first.
    for (const key of ['pos_embed', 'decoder_pos_embed'] as const) {
      assertAllClose(key === 'pos_embed' ? model.posEmbed : model.decoderPosEmbed, c.weights[key]!, { atol: 1e-6, label: `${name} ${key}` });
    }
    loadMaeCheckpoint(model, c.weights);
    expect(model.numParametersTorch()).toBe(c.caseJson['param_count']);

    const tol = c.caseJson.tolerance.max_abs;
    const errors: Record<string, number> = {};
    const check = (key: string, actual: tf.Tensor, exact = false): void => {
      const expected = c.io[key];
      if (expected === undefined) return actual.dispose();
      expect(actual.shape, key).toEqual(expected.shape);
      errors[key] = assertAllClose(actual, expected, { atol: exact ? 0 : tol, label: `${name} ${key}` });
      actual.dispose();
    };

    const imgs = nchwToNhwc(c.io['imgs']!);
    const maskRatio = (c.caseJson['mask_ratio'] as number | undefined) ?? c.io['mask_ratio']!.dataSync()[0]!;
    const { latent, mask, idsRestore, idsKeep } = model.forwardEncoder(imgs, { maskRatio, noise: c.io['noise']! });
    const pred = model.forwardDecoder(latent, idsRestore);
    check('loss', tf.reshape(model.forwardLoss(imgs, pred, mask), [1]));
    check('target_patchified', model.patchify(imgs));
    if (model.config.normPixLoss) check('target_normalized', model.lossTarget(imgs));
    check('pred_unpatchified', tf.tidy(() => nhwcToNchw(model.unpatchify(pred))));
    check('latent', latent);
    check('pred', pred);
    check('mask', mask, true);
    check('ids_restore', idsRestore, true);
    check('ids_keep', idsKeep, true);
    if (process.env['PATCHWORK_PRINT_ERRORS'] === '1') console.log(name, JSON.stringify(errors));
    imgs.dispose();
    model.dispose();
    c.dispose();
  });
});
