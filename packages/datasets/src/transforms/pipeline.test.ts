import { ConfigError, Rng, tf } from '@patchwork/tensor-core';
import { assertAllClose, expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { jointRandomHorizontalFlip, jointRandomResizedCrop, jointResize } from './joint.js';
import { TransformPipeline } from './pipeline.js';
import type { TransformPipelineConfig } from './pipeline.js';

/** An image whose channel 0 encodes the label (label / 10), so any misalignment shows up. */
function pairFromLabels(h: number, w: number, seed: number): { image: tf.Tensor3D; label: tf.Tensor2D } {
  const rng = new Rng(seed);
  const labels = Int32Array.from({ length: h * w }, () => rng.int(8));
  const label = tf.tensor2d(labels, [h, w], 'int32');
  const image = tf.tidy(() => tf.concat([label.toFloat().div(10).expandDims(2), tf.zeros([h, w, 2])], 2)) as tf.Tensor3D;
  return { image, label };
}

function aligned(image: tf.Tensor, label: tf.Tensor): boolean {
  return tf.tidy(() => {
    const fromImage = image.slice([0, 0, 0], [-1, -1, 1]).squeeze([2]).mul(10).round().toInt();
    return fromImage.equal(label).all().dataSync()[0] === 1;
  });
}

describe('joint image + label transforms', () => {
  it('apply the same crop and flip to image and labels (labels stay valid classes)', () => {
    for (let seed = 0; seed < 10; seed++) {
      const pair = pairFromLabels(23, 31, seed);
      const rng = new Rng(seed);
      const cropped = jointRandomResizedCrop(pair, rng, { size: [16, 16], scale: [0.3, 1], interpolation: 'nearest' });
      const flipped = jointRandomHorizontalFlip(cropped, rng);
      expect(flipped.label.shape).toEqual([16, 16]);
      expect(aligned(flipped.image, flipped.label)).toBe(true);
      expect(Math.max(...flipped.label.dataSync())).toBeLessThan(8);
      tf.dispose([pair.image, pair.label, cropped.image, cropped.label, flipped.image, flipped.label]);
    }
  });

  it('resizes labels with nearest even when the image is bicubic', () => {
    const pair = pairFromLabels(9, 9, 1);
    const out = jointResize(pair, [20, 14], 'bicubic');
    expect(out.label.dtype).toBe('int32');
    expect(new Set(out.label.dataSync()).size).toBeLessThanOrEqual(8);
    expect(() => jointResize({ image: pair.image, label: tf.zeros([9, 8], 'int32') }, [4, 4])).toThrow(/label must be \[9, 9\]/);
    tf.dispose([pair.image, pair.label, out.image, out.label]);
  });

  it('does not leak', async () => {
    const pair = pairFromLabels(12, 15, 4);
    await expectNoLeaks(() => {
      const rng = new Rng(0);
      for (const out of [jointResize(pair, [7, 9]), jointRandomResizedCrop(pair, rng, { size: [8, 8] }), jointRandomHorizontalFlip(pair, rng), jointRandomHorizontalFlip(pair, rng, 1)]) {
        tf.dispose([out.image, out.label]);
      }
    });
    tf.dispose([pair.image, pair.label]);
  });
});

describe('TransformPipeline', () => {
  const train: TransformPipelineConfig = [
    { type: 'randomResizedCrop', size: [16, 16], scale: [0.2, 1], interpolation: 'bicubic' },
    { type: 'horizontalFlip' },
    { type: 'colorJitter', brightness: 0.4, contrast: 0.4, saturation: 0.4 },
    { type: 'normalize' },
  ];

  it('validates configs with zod and fills defaults', () => {
    const p = new TransformPipeline([{ type: 'horizontalFlip' }, { type: 'randomResizedCrop', size: [8, 8] }, { type: 'normalize' }]);
    expect(p.steps[0]).toEqual({ type: 'horizontalFlip', p: 0.5 });
    expect(p.steps[1]).toMatchObject({ scale: [0.08, 1], ratio: [3 / 4, 4 / 3], interpolation: 'bilinear' });
    expect(p.steps[2]).toMatchObject({ mean: [0.485, 0.456, 0.406] });
    const bad = (): TransformPipeline =>
      new TransformPipeline([
        { type: 'resize', size: [0, 4] },
        { type: 'randomResizedCrop', size: [8, 8], scale: [0.9, 0.1] },
        { type: 'blur' } as never,
        { type: 'horizontalFlip', p: 2 },
      ]);
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/0\.size/);
    expect(bad).toThrow(/1\.scale: range must be \[min, max\]/);
    expect(bad).toThrow(/2\.type/);
    expect(bad).toThrow(/3\.p/);
  });

  it('is deterministic per seed for images and batches', () => {
    const p = new TransformPipeline(train);
    const x = tf.randomUniform([24, 20, 3], 0, 1, 'float32', 2);
    const a = p.apply(x, new Rng(7));
    const b = p.apply(x, new Rng(7));
    expect(a.shape).toEqual([16, 16, 3]);
    assertAllClose(a, b, { atol: 0 });
    const batch = p.apply(tf.stack([x, x]), new Rng(7));
    expect(batch.shape).toEqual([2, 16, 16, 3]);
    const evalPipe = new TransformPipeline([{ type: 'resize', size: 18 }, { type: 'centerCrop', size: [16, 16] }]);
    expect(evalPipe.apply(x, new Rng(0)).shape).toEqual([16, 16, 3]); // 24×20 → 21×18 → 16×16
    tf.dispose([x, a, b, batch]);
  });

  it('applies geometric steps to both and photometric ones to the image only', () => {
    const p = new TransformPipeline([
      { type: 'resize', size: 30, interpolation: 'nearest' },
      { type: 'randomResizedCrop', size: [12, 12], interpolation: 'nearest' },
      { type: 'horizontalFlip', p: 1 },
      { type: 'centerCrop', size: [10, 10] },
      { type: 'normalize', mean: [0, 0, 0], std: [1, 1, 1] },
    ]);
    const pair = pairFromLabels(20, 25, 3);
    const out = p.applyJoint(pair, new Rng(1));
    expect(out.image.shape).toEqual([10, 10, 3]);
    expect(out.label.shape).toEqual([10, 10]);
    expect(aligned(out.image, out.label)).toBe(true);
    tf.dispose([pair.image, pair.label, out.image, out.label]);
  });

  it('does not leak', async () => {
    const p = new TransformPipeline(train);
    const pair = pairFromLabels(20, 20, 0);
    await expectNoLeaks(() => {
      p.apply(pair.image, new Rng(0)).dispose();
      const out = p.applyJoint(pair, new Rng(0));
      tf.dispose([out.image, out.label]);
      const same = new TransformPipeline([]).applyJoint(pair, new Rng(0));
      tf.dispose([same.image, same.label]);
    });
    tf.dispose([pair.image, pair.label]);
  });
});
