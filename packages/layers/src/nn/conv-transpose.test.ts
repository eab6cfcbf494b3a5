import { ShapeError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { ConvTranspose2d } from './conv-transpose.js';
import type { Pair } from './common.js';
import { close, gradsOf, load, loadFixture, nhwc } from './__fixtures__/reference.js';
import type { Encoded } from './__fixtures__/reference.js';

// Reference values: packages/segmentation-heads/reference/layers_blocks.py (torch.nn.ConvTranspose2d).
interface Case {
  name: string;
  config: { cin: number; cout: number; k: Pair; stride: Pair; padding: Pair; bias: boolean };
  state_dict: Record<string, Encoded>;
  x: Encoded;
  y: Encoded;
  dy: Encoded;
  grads: Record<string, Encoded>;
}
const { cases } = loadFixture<{ cases: Case[] }>('conv_transpose2d.json');

function build(c: Case): ConvTranspose2d {
  const { cin, cout, k, stride, padding, bias } = c.config;
  const m = new ConvTranspose2d(cin, cout, k, { stride, padding, bias });
  load(m, c.state_dict);
  return m;
}

describe('ConvTranspose2d', () => {
  it.each(cases.map((c) => [c.name, c] as const))('forward matches torch and frees its temporaries: %s', async (_, c) => {
    const m = build(c);
    const x = nhwc(c.x);
    const y = m.forward(x);
    const want = nhwc(c.y);
    expect(y.shape).toEqual(want.shape);
    expect(m.outputSize(x.shape[1]!, x.shape[2]!)).toEqual([want.shape[1], want.shape[2]]);
    close(y, want, 1e-5, `convT ${c.name} y`);
    await expectNoLeaks(() => m.forward(x).dispose());
    tf.dispose([x, y, want]);
    m.dispose();
  });

  it.each(cases.map((c) => [c.name, c] as const))('input and weight gradients match torch: %s', (_, c) => {
    const m = build(c);
    const [x, dy] = [nhwc(c.x), nhwc(c.dy)];
    const { y, grads } = gradsOf(m, (xx) => m.forward(xx), x, dy);
    const dx = nhwc(c.grads['x']!);
    close(grads['x']!, dx, 1e-4, `convT ${c.name} dx`);
    for (const name of ['weight', 'bias']) if (c.grads[name] !== undefined) close(grads[name]!, c.grads[name], 1e-4, `convT ${c.name} d${name}`);
    tf.dispose([x, dy, dx, y, ...Object.values(grads)]);
    m.dispose();
  });

  it('uses PyTorch names and the [in, out, kh, kw] layout, and initialises U(±1/√(out·kh·kw))', () => {
    const m = new ConvTranspose2d(6, 4, [2, 3]);
    const sd = m.stateDict();
    expect(Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, v.shape]))).toEqual({ weight: [6, 4, 2, 3], bias: [4] });
    const bound = 1 / Math.sqrt(4 * 6);
    const w = m.weight.dataSync();
    expect(Math.max(...w)).toBeLessThanOrEqual(bound);
    expect(Math.max(...w)).toBeGreaterThan(0.8 * bound);
    tf.dispose(Object.values(sd));
    m.dispose();
  });

  it('rejects NCHW input, wrong channels and a padding that empties the output', () => {
    const m = new ConvTranspose2d(3, 2, 2, { stride: 2 });
    const nchw = tf.zeros([1, 3, 4, 4]);
    expect(() => m.forward(nchw)).toThrow(ShapeError);
    expect(() => m.forward(nchw)).toThrow(/expected input \[N, H, W, 3\]/);
    const tight = new ConvTranspose2d(1, 1, 1, { padding: 1 });
    const one = tf.zeros([1, 1, 1, 1]);
    expect(() => tight.forward(one)).toThrow(/empty -1×-1 output/);
    expect(() => new ConvTranspose2d(0, 2, 2)).toThrow(/positive integers/);
    tf.dispose([nchw, one]);
    m.dispose();
    tight.dispose();
  });
});
