// Parity with the official timm VisionTransformer on every tooling/fixtures/vit case
// (tensors read with tensor-core's safetensors reader; see tooling/fixtures/README.md).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nchwToNhwc } from '@patchwork/tensor-core';
import type { tf } from '@patchwork/tensor-core';
import { assertAllClose, fixtureCaseDirs, loadFixtureCase } from '@patchwork/tensor-core/testing';
import { resamplePosEmbed } from '@patchwork/layers';
import { describe, expect, it } from 'vitest';
import { fromTimmConfig, loadTimmCheckpoint } from './from-timm.js';
import { VisionTransformer } from './vision-transformer.js';

// The shipped fixtures plus cases for configs they do not cover (scripts/unseen_cases.py).
const UNSEEN = fileURLToPath(new URL('./__fixtures__/unseen', import.meta.url));
const cases = [...fixtureCaseDirs('vit'), ...fs.readdirSync(UNSEEN).map((d) => path.join(UNSEEN, d))];

describe('parity with timm VisionTransformer', () => {
  it('has fixture cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
  });

  it.each(cases.map((dir) => [path.basename(dir), dir]))('%s', (name, dir) => {
    const c = loadFixtureCase(dir);
    const model = new VisionTransformer(fromTimmConfig(c.caseJson.constructor as Record<string, unknown>)).eval();
    loadTimmCheckpoint(model, c.weights);
    expect(model.numParameters()).toBe(c.caseJson['param_count']);
    const tol = c.caseJson.tolerance.max_abs;
    const errors: Record<string, number> = {};
    const check = (key: string, actual: tf.Tensor): void => {
      const expected = c.io[key]!;
      expect(actual.shape, key).toEqual(expected.shape);
      errors[key] = assertAllClose(actual, expected, { atol: tol, label: `${name} ${key}` });
      actual.dispose();
    };

    const x = nchwToNhwc(c.io['x']!);
    const features = model.forwardFeatures(x);
    check('pre_logits', model.forwardHead(features, { preLogits: true }));
    check('logits', model.forwardHead(features));
    check('features', features);
    if (c.io['pos_embed_resampled'] !== undefined) {
      const [, h, w] = x.shape as number[];
      const [ph, pw] = model.patchEmbed.patchSize;
      check('pos_embed_resampled', model.positionEmbedding(h! / ph, w! / pw));
      check('pos_embed_resampled_bicubic_noantialias', resamplePosEmbed(model.posEmbed!, [h! / ph, w! / pw], { oldSize: model.gridSize, antialias: false }));
    }
    if (process.env['PATCHWORK_PRINT_ERRORS'] === '1') console.log(name, JSON.stringify(errors));
    x.dispose();
    model.dispose();
    c.dispose();
  });
});
