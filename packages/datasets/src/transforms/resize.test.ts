import fs from 'node:fs';
import { tf } from '@patchwork/tensor-core';
import { assertAllClose, expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { resize, shortSideSize } from './resize.js';
import type { Interpolation } from './resize.js';

interface TorchFixture {
  input_shape: [number, number, number, number];
  input: number[];
  cases: { size: [number, number]; mode: Interpolation; torch_mode: string; output: number[] }[];
}

// Produced by reference/resize_reference.py (torch 1.13 F.interpolate, align_corners=False).
const fixture = JSON.parse(fs.readFileSync(new URL('./__fixtures__/resize-torch.json', import.meta.url), 'utf8')) as TorchFixture;

describe('resize', () => {
  it.each(fixture.cases.map((c) => [`${c.torch_mode} → ${c.size.join('×')}`, c] as const))('matches torch %s', (_, c) => {
    const x = tf.tensor4d(fixture.input, fixture.input_shape);
    const y = resize(x, c.size, c.mode);
    expect(y.shape).toEqual([1, ...c.size, 2]);
    assertAllClose(y, c.output, { atol: 2e-6, label: c.torch_mode });
    tf.dispose([x, y]);
  });

  it('keeps HWC rank, label values with nearest, and identity at the same size', () => {
    const labels = tf.tensor3d([0, 3, 3, 7, 255, 7], [2, 3, 1], 'int32');
    const up = resize(labels, [5, 7], 'nearest');
    expect(up.shape).toEqual([5, 7, 1]);
    expect(up.dtype).toBe('int32');
    expect(new Set(up.dataSync())).toEqual(new Set([0, 3, 7, 255]));
    const same = resize(tf.tensor3d([1, 2, 3, 4], [2, 2, 1]), [2, 2], 'bicubic');
    expect(Array.from(same.dataSync())).toEqual([1, 2, 3, 4]);
    tf.dispose([labels, up, same]);
  });

  it('rejects bad sizes, ranks and integer inputs to smooth modes', () => {
    const x = tf.zeros([4, 4, 1]);
    expect(() => resize(x, [0, 3])).toThrow(/two positive integers/);
    expect(() => resize(tf.zeros([4, 4]), [2, 2])).toThrow(/HWC or NHWC/);
    expect(() => resize(tf.zeros([4, 4, 1], 'int32'), [2, 2], 'bilinear')).toThrow(/needs a float32 tensor/);
    x.dispose();
  });

  it('does not leak', async () => {
    const x = tf.randomUniform([2, 9, 6, 3]);
    await expectNoLeaks(() => {
      for (const m of ['nearest', 'bilinear', 'bicubic'] as const) resize(x, [4, 13], m).dispose();
    });
    x.dispose();
  });

  it('computes short-side sizes like torchvision Resize(int)', () => {
    expect(shortSideSize(480, 640, 256)).toEqual([256, 341]);
    expect(shortSideSize(640, 480, 256)).toEqual([341, 256]);
    expect(shortSideSize(100, 100, 32)).toEqual([32, 32]);
  });
});
