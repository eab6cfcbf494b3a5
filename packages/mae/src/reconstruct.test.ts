import { ConfigError, Rng, tf } from '@patchwork/tensor-core';
import { assertAllClose, expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { MaskedAutoencoderViT } from './masked-autoencoder.js';
import { reconstructionPanels } from './reconstruct.js';

const build = (normPixLoss: boolean): MaskedAutoencoderViT =>
  new MaskedAutoencoderViT({ imgSize: 8, patchSize: 4, inChans: 2, embedDim: 16, depth: 1, numHeads: 2, decoderEmbedDim: 8, decoderDepth: 1, decoderNumHeads: 2, normPixLoss }, { rng: new Rng(3) });
const MEAN = [0.3, 0.6];
const STD = [0.2, 0.5];

describe('reconstructionPanels', () => {
  it('un-normalises per channel, greys and pastes exactly the masked patches, de-normalises norm-pix predictions per patch', () => {
    const mae = build(true);
    const unit = new Rng(4).uniform([1, 8, 8, 2]); // the "true" image in [0, 1]
    const images = tf.div(tf.sub(unit, tf.tensor1d(MEAN)), tf.tensor1d(STD)) as tf.Tensor4D;
    const noise = tf.tensor2d([[0.9, 0.1, 0.8, 0.2]]); // keep patches 1 and 3 at ratio 0.5
    const r = reconstructionPanels(mae, images, noise, 0.5, { mean: MEAN, std: STD });
    assertAllClose(r.original, unit, { atol: 1e-6 });
    expect(Array.from(r.mask.dataSync())).toEqual([1, 0, 1, 0]);
    // Patch (row, col) of the 2×2 grid: 0 = (0,0), 1 = (0,1), 2 = (1,0), 3 = (1,1).
    const expectHidden = tf.tile(tf.image.resizeNearestNeighbor(tf.reshape(tf.tensor2d([[1, 0], [1, 0]]), [1, 2, 2, 1]) as tf.Tensor4D, [8, 8]), [1, 1, 1, 2]);
    assertAllClose(r.masked, tf.add(tf.mul(unit, tf.sub(1, expectHidden)), tf.mul(expectHidden, 0.5)), { atol: 1e-6 });
    assertAllClose(r.pasted, tf.add(tf.mul(unit, tf.sub(1, expectHidden)), tf.mul(r.reconstruction, expectHidden)), { atol: 1e-6 });
    // Reconstruction = unpatchify(pred · √(var + 1e-6) + mean) of the normalised target, then un-normalised and clipped.
    const { pred } = mae.forward(images, { maskRatio: 0.5, noise });
    const target = mae.patchify(images);
    const m = tf.mean(target, -1, true);
    const v = tf.div(tf.sum(tf.square(tf.sub(target, m)), -1, true), target.shape[2]! - 1);
    const manual = tf.clipByValue(tf.add(tf.mul(mae.unpatchify(tf.add(tf.mul(pred, tf.sqrt(tf.add(v, 1e-6))), m)), tf.tensor1d(STD)), tf.tensor1d(MEAN)), 0, 1);
    assertAllClose(r.reconstruction, manual, { atol: 1e-6 });
    const recon = r.reconstruction.dataSync();
    expect(recon.every((x) => x >= 0 && x <= 1)).toBe(true);
    mae.dispose();
  });

  it('without norm-pix loss and with default statistics the prediction is shown as is; bad statistics are named; no leaks', async () => {
    const mae = build(false);
    const images = new Rng(5).uniform([2, 8, 8, 2]) as tf.Tensor4D;
    const noise = new Rng(6).uniform([2, 4]) as tf.Tensor2D;
    await expectNoLeaks(() => tf.dispose(Object.values(reconstructionPanels(mae, images, noise, 0.75))));
    const r = reconstructionPanels(mae, images, noise, 0.75);
    const { pred } = mae.forward(images, { maskRatio: 0.75, noise });
    assertAllClose(r.reconstruction, tf.clipByValue(mae.unpatchify(pred), 0, 1), { atol: 1e-6 });
    assertAllClose(r.original, images, { atol: 1e-7 });
    expect(() => reconstructionPanels(mae, images, noise, 0.75, { mean: [0.5] })).toThrow(ConfigError);
    expect(() => reconstructionPanels(mae, images, noise, 0.75, { std: 0 })).toThrow(/pixel std must be .* all > 0/);
    mae.dispose();
  });
});
