import { describe, expect, it } from 'vitest';
import { PatchworkError, ShapeError } from './errors.js';
import { IMAGENET_MEAN, IMAGENET_STD, denormalize, normalize, toFloatImage, toUint8Image } from './image.js';
import { tf } from './tf.js';
import { assertAllClose, expectNoLeaks } from './testing/index.js';

describe('image helpers', () => {
  it('toFloatImage scales int32 pixels (HWC and NHWC) to [0, 1] float32', async () => {
    const hwc = tf.tensor([0, 51, 255, 128, 1, 254], [1, 2, 3], 'int32');
    const x = await expectNoLeaks(() => toFloatImage(hwc), 1);
    expect(x.dtype).toBe('float32');
    assertAllClose(x, [0, 0.2, 1, 128 / 255, 1 / 255, 254 / 255], { atol: 1e-7 });
    const nhwc = tf.zeros([2, 4, 4, 1], 'int32');
    const y = await expectNoLeaks(() => toFloatImage(nhwc), 1);
    expect(y.shape).toEqual([2, 4, 4, 1]);
    tf.dispose([hwc, x, nhwc, y]);
  });

  it('toUint8Image clips, scales and rounds back to int32 pixels', async () => {
    const x = tf.tensor([-0.5, 0, 0.2, 0.5, 1, 1.7], [1, 2, 3]);
    const u = await expectNoLeaks(() => toUint8Image(x), 1);
    expect(u.dtype).toBe('int32');
    expect(Array.from(u.dataSync())).toEqual([0, 0, 51, 128, 255, 255]);
    const pixels = tf.tensor(Array.from({ length: 256 }, (_, i) => i), [1, 16, 16, 1], 'int32');
    const f = toFloatImage(pixels);
    const back = toUint8Image(f);
    expect(Array.from(back.dataSync())).toEqual(Array.from(pixels.dataSync()));
    tf.dispose([x, u, pixels, f, back]);
  });

  it('normalize / denormalize per channel, channels last or first, and round-trip', async () => {
    const x = tf.tensor([0.485, 0.456, 0.406, 0.714, 0.68, 0.631], [1, 2, 3]);
    const n = await expectNoLeaks(() => normalize(x, IMAGENET_MEAN, IMAGENET_STD), 1);
    assertAllClose(n, [0, 0, 0, 1, 1, 1], { atol: 1e-5 });
    const back = await expectNoLeaks(() => denormalize(n, IMAGENET_MEAN, IMAGENET_STD), 1);
    assertAllClose(back, x, { atol: 1e-6 });

    const nchw = tf.tensor([0.485, 0.714, 0.456, 0.68, 0.406, 0.631], [1, 3, 1, 2]);
    const nFirst = await expectNoLeaks(() => normalize(nchw, IMAGENET_MEAN, IMAGENET_STD, { channels: 'first' }), 1);
    assertAllClose(nFirst, [0, 1, 0, 1, 0, 1], { atol: 1e-5 });
    const scalar = normalize(x, 0.5, 0.5);
    assertAllClose(scalar, x.dataSync().map((v) => (v - 0.5) / 0.5), { atol: 1e-6 });
    tf.dispose([x, n, back, nchw, nFirst, scalar]);
  });

  it('rejects bad shapes, dtypes and statistics', () => {
    const flat = tf.zeros([3], 'int32');
    const fiveChannels = tf.zeros([2, 2, 5], 'int32');
    const rgb = tf.zeros([2, 2, 3]);
    const ints = tf.zeros([2, 2, 3], 'int32');
    expect(() => toFloatImage(flat)).toThrow(ShapeError);
    expect(() => toFloatImage(fiveChannels)).toThrow('toFloatImage: expected an HWC or NHWC image with 1–4 channels, got shape [2, 2, 5]');
    expect(() => toUint8Image(ints)).toThrow(expect.objectContaining({ code: 'E_DTYPE' }));
    expect(() => normalize(rgb, [0.5, 0.5], [1, 1])).toThrow('normalize: mean has 2 values but the image has 3 channels');
    expect(() => normalize(rgb, IMAGENET_MEAN, IMAGENET_STD, { channels: 'first' })).toThrow(/has 2 channels/);
    expect(() => normalize(ints, IMAGENET_MEAN, IMAGENET_STD)).toThrow(/expected a float32 image/);
    expect(() => denormalize(rgb, 0, [1, 0, 1])).toThrow(/std must be positive/);
    expect(() => normalize(flat, 0, 1)).toThrow(ShapeError);
    tf.dispose([flat, fiveChannels, rgb, ints]);
  });

  it('checks for NaN on request, without leaking', async () => {
    const x = tf.tensor([0.1, Number.NaN, 0.3], [1, 1, 3]);
    for (const fn of [
      () => toFloatImage(x, { checkNaN: true }),
      () => toUint8Image(x, { checkNaN: true }),
      () => normalize(x, 0, 1, { checkNaN: true }),
      () => denormalize(x, 0, 1, { checkNaN: true }),
    ]) {
      await expectNoLeaks(() => expect(fn).toThrow(PatchworkError));
    }
    expect(() => normalize(x, 0, 1, { checkNaN: true })).toThrow(expect.objectContaining({ code: 'E_NAN', message: 'normalize: the image contains NaN' }));
    const unchecked = normalize(x, 0, 1);
    expect(Number.isNaN(unchecked.dataSync()[1])).toBe(true);
    tf.dispose([x, unchecked]);
  });
});
