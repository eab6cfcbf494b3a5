import { ShapeError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { Conv2d } from './conv.js';
import type { Conv2dOptions } from './conv.js';
import type { Pair } from './common.js';
import { close, gradsOf, load, loadFixture, nhwc } from './__fixtures__/reference.js';
import type { Encoded } from './__fixtures__/reference.js';

// Reference values: tooling/reference/layers_reference.py (torch.nn.Conv2d; asymmetric padding via F.pad).
interface ConvCase {
  name: string;
  config: { cin: number; cout: number; k: Pair; stride: Pair; padding: Conv2dOptions['padding']; dilation?: Pair; groups?: number; bias?: boolean };
  state_dict: Record<string, Encoded>;
  x: Encoded;
  y: Encoded;
  dy: Encoded;
  grads: Record<string, Encoded>;
}
const { cases } = loadFixture<{ cases: ConvCase[] }>('conv2d.json');

function build(c: ConvCase): Conv2d {
  const { cin, cout, k, ...rest } = c.config;
  const conv = new Conv2d(cin, cout, k, rest);
  load(conv, c.state_dict);
  return conv;
}

describe('Conv2d', () => {
  it.each(cases.map((c) => [c.name, c] as const))('forward matches torch: %s', async (_, c) => {
    const conv = build(c);
    const x = nhwc(c.x);
    const y = conv.forward(x);
    const want = nhwc(c.y);
    expect(y.shape).toEqual(want.shape);
    close(y, want, 1e-5, `conv ${c.name} y`);
    tf.dispose([y, want]);
    await expectNoLeaks(() => conv.forward(x).dispose());
    x.dispose();
    conv.dispose();
  });

  it.each(cases.map((c) => [c.name, c] as const))('input and weight gradients match torch: %s', (_, c) => {
    const conv = build(c);
    const [x, dy] = [nhwc(c.x), nhwc(c.dy)];
    const { y, grads } = gradsOf(conv, (xx) => conv.forward(xx), x, dy);
    const dx = nhwc(c.grads['x']!);
    close(grads['x']!, dx, 1e-4, `conv ${c.name} dx`);
    for (const name of ['weight', 'bias']) {
      if (c.grads[name] !== undefined) close(grads[name]!, c.grads[name], 1e-4, `conv ${c.name} d${name}`);
    }
    tf.dispose([x, dy, dx, y, ...Object.values(grads)]);
    conv.dispose();
  });

  it('uses PyTorch state-dict names and layouts (OIHW, depthwise [C·m, 1, kh, kw])', () => {
    const conv = new Conv2d(4, 6, [3, 2], { groups: 2 });
    const dw = new Conv2d(3, 6, 3, { groups: 3, bias: false });
    const sd = conv.stateDict();
    const sdw = dw.stateDict();
    expect(Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, v.shape]))).toEqual({ weight: [6, 2, 3, 2], bias: [6] });
    expect(Object.fromEntries(Object.entries(sdw).map(([k, v]) => [k, v.shape]))).toEqual({ weight: [6, 1, 3, 3] });
    expect(dw.depthwise).toBe(true);
    tf.dispose([...Object.values(sd), ...Object.values(sdw)]);
    conv.dispose();
    dw.dispose();
  });

  it('initialises like PyTorch: U(±1/√fan_in) for weight and bias', () => {
    const conv = new Conv2d(8, 16, 3, { groups: 2 });
    const bound = 1 / Math.sqrt(4 * 9);
    for (const v of [conv.weight, conv.bias!]) {
      const data = v.dataSync();
      expect(Math.max(...data)).toBeLessThanOrEqual(bound);
      expect(Math.min(...data)).toBeGreaterThanOrEqual(-bound);
      expect(Math.max(...data)).toBeGreaterThan(0.8 * bound);
    }
    conv.dispose();
  });

  it('resolves padding like PyTorch and rejects what PyTorch rejects', () => {
    expect(new Conv2d(1, 1, 4, { padding: 'same', dilation: [1, 2] }).padding).toEqual([[1, 2], [3, 3]]);
    expect(new Conv2d(1, 1, 3, { padding: [1, 2] }).padding).toEqual([[1, 1], [2, 2]]);
    expect(() => new Conv2d(1, 1, 3, { padding: 'same', stride: 2 })).toThrow(/not supported for strided/);
    expect(() => new Conv2d(4, 6, 3, { groups: 4 })).toThrow(/divisible by groups/);
    expect(() => new Conv2d(1, 1, 0)).toThrow(/kernelSize/);
    expect(() => new Conv2d(1, 1, 3, { padding: [[1, -1], [0, 0]] })).toThrow(/non-negative/);
  });

  it('reports bad input shapes as ShapeError naming the module and the shape', () => {
    const conv = new Conv2d(3, 4, 5);
    const nchw = tf.zeros([1, 3, 8, 8]);
    const small = tf.zeros([1, 4, 4, 3]);
    const rank3 = tf.zeros([8, 8, 3]);
    expect(() => conv.forward(nchw)).toThrow(ShapeError);
    expect(() => conv.forward(nchw)).toThrow('Conv2d: expected input [N, H, W, 3] (NHWC), got [1, 3, 8, 8]');
    expect(() => conv.forward(rank3)).toThrow(/Conv2d: expected input .* got \[8, 8, 3\]/);
    expect(() => conv.forward(small)).toThrow(/Conv2d: input \[1, 4, 4, 3\] is too small/);
    tf.dispose([nchw, small, rank3]);
    conv.dispose();
  });
});
