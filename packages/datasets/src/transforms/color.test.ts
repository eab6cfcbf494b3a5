import { Rng, tf } from '@patchwork/tensor-core';
import { assertAllClose, expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { IMAGENET_MEAN, adjustBrightness, adjustContrast, adjustSaturation, colorJitter, normalize, toTensor } from './color.js';

describe('colour transforms', () => {
  it('toTensor scales bytes to [0, 1] and checks the size', () => {
    const t = toTensor({ data: Uint8Array.of(0, 51, 255, 102, 204, 153), height: 1, width: 2, channels: 3 });
    expect(t.shape).toEqual([1, 2, 3]);
    assertAllClose(t, [0, 0.2, 1, 0.4, 0.8, 0.6], { atol: 1e-7 });
    t.dispose();
    expect(() => toTensor({ data: new Uint8Array(5), height: 1, width: 2, channels: 3 })).toThrow(/5 bytes do not make/);
  });

  it('normalises with ImageNet statistics per channel', () => {
    const x = tf.tensor3d([...IMAGENET_MEAN, 1, 1, 1], [1, 2, 3]);
    const y = normalize(x);
    assertAllClose(y, [0, 0, 0, (1 - 0.485) / 0.229, (1 - 0.456) / 0.224, (1 - 0.406) / 0.225], { atol: 1e-6 });
    expect(() => normalize(tf.zeros([2, 2, 1]))).toThrow(/3 means and 3 stds for 1 channels/);
    tf.dispose([x, y]);
  });

  it('adjusts brightness, contrast and saturation as torchvision does', () => {
    const grey = tf.tensor3d([0.2, 0.6], [2, 1, 1]);
    assertAllClose(adjustBrightness(grey, 1.5), [0.3, 0.9], { atol: 1e-6 });
    assertAllClose(adjustBrightness(grey, 2), [0.4, 1], { atol: 1e-6 }); // clamped
    assertAllClose(adjustContrast(grey, 0.5), [0.3, 0.5], { atol: 1e-6 }); // blend with mean 0.4
    assertAllClose(adjustSaturation(grey, 0), grey, { atol: 0 }); // grey stays grey
    const red = tf.tensor3d([1, 0, 0], [1, 1, 3]);
    assertAllClose(adjustSaturation(red, 0), [0.2989, 0.2989, 0.2989], { atol: 1e-6 });
    assertAllClose(adjustSaturation(red, 2), [1, 0, 0], { atol: 1e-6 });
    assertAllClose(adjustSaturation(red, 0.5), [0.64945, 0.14945, 0.14945], { atol: 1e-6 });
    // Contrast uses the greyscale mean over the whole image: (0.2989 + 0) / 2 per pixel pair.
    const two = tf.tensor3d([1, 0, 0, 0, 0, 0], [1, 2, 3]);
    assertAllClose(adjustContrast(two, 0), new Array(6).fill(0.2989 / 2), { atol: 1e-6 });
    expect(() => adjustContrast(tf.zeros([2, 2, 2]), 1)).toThrow(/1 or 3 channels/);
    tf.dispose([grey, red, two]);
  });

  it('jitters reproducibly from the seed and leaves images alone with no options', () => {
    const x = tf.randomUniform([6, 5, 3], 0, 1, 'float32', 1);
    const a = colorJitter(x, new Rng(4), { brightness: 0.4, contrast: 0.4, saturation: 0.4 });
    const b = colorJitter(x, new Rng(4), { brightness: 0.4, contrast: 0.4, saturation: 0.4 });
    const c = colorJitter(x, new Rng(5), { brightness: 0.4, contrast: 0.4, saturation: 0.4 });
    assertAllClose(a, b, { atol: 0 });
    expect(tf.abs(tf.sub(a, c)).max().dataSync()[0]).toBeGreaterThan(1e-3);
    assertAllClose(colorJitter(x, new Rng(0), {}), x, { atol: 0 });
    expect(a.min().dataSync()[0]).toBeGreaterThanOrEqual(0);
    expect(a.max().dataSync()[0]).toBeLessThanOrEqual(1);
    expect(() => colorJitter(x, new Rng(0), { brightness: [2, 1] })).toThrow(/brightness must be/);
    tf.dispose([x, a, b, c]);
  });

  it('does not leak', async () => {
    const x = tf.randomUniform([2, 4, 4, 3]);
    await expectNoLeaks(() => {
      colorJitter(x, new Rng(1), { brightness: 0.3, contrast: [0.5, 1.5], saturation: 0.2 }).dispose();
      normalize(x).dispose();
      adjustBrightness(x, 1.2).dispose();
      adjustContrast(x, 0.7).dispose();
      adjustSaturation(x, 1.5).dispose();
      toTensor({ data: new Uint8Array(12), height: 2, width: 2, channels: 3 }).dispose();
    });
    x.dispose();
  });
});
