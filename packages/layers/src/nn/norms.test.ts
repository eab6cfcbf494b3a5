import { ShapeError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { GroupNorm } from './groupnorm.js';
import { LayerNorm } from './layernorm.js';
import { close, gradsOf, load, loadFixture, nhwc, tensor } from './__fixtures__/reference.js';
import type { Encoded } from './__fixtures__/reference.js';

// Reference values: tooling/reference/layers_reference.py (torch.nn.LayerNorm, torch.nn.GroupNorm).
interface NormCase<C> {
  name: string;
  config: C;
  state_dict: Record<string, Encoded>;
  x: Encoded;
  y: Encoded;
  dy: Encoded;
  grads: Record<string, Encoded>;
}
const fx = loadFixture<{
  layernorm: NormCase<{ dim: number; eps: number; affine: boolean }>[];
  groupnorm: NormCase<{ groups: number; channels: number; affine: boolean }>[];
}>('norms.json');

describe('LayerNorm', () => {
  it.each(fx.layernorm.map((c) => [c.name, c] as const))('forward and gradients match torch: %s', async (_, c) => {
    const ln = new LayerNorm(c.config.dim, { eps: c.config.eps, elementwiseAffine: c.config.affine });
    load(ln, c.state_dict);
    const [x, dy] = [tensor(c.x), tensor(c.dy)];
    const { y, grads } = gradsOf(ln, (xx) => ln.forward(xx), x, dy);
    close(y, c.y, 1e-5, `layernorm ${c.name} y`);
    for (const [name, want] of Object.entries(c.grads)) close(grads[name]!, want, 1e-5, `layernorm ${c.name} d${name}`);
    await expectNoLeaks(() => ln.forward(x).dispose());
    tf.dispose([x, dy, y, ...Object.values(grads)]);
    ln.dispose();
  });

  it('has weight/bias [dim] and rejects a wrong last axis', () => {
    const ln = new LayerNorm(4);
    const sd = ln.stateDict();
    expect(Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, v.shape]))).toEqual({ weight: [4], bias: [4] });
    const bad = tf.zeros([2, 5]);
    expect(() => ln.forward(bad)).toThrow(ShapeError);
    expect(() => ln.forward(bad)).toThrow('LayerNorm: expected input [..., 4], got [2, 5]');
    tf.dispose([bad, ...Object.values(sd)]);
    ln.dispose();
  });
});

describe('GroupNorm', () => {
  it.each(fx.groupnorm.map((c) => [c.name, c] as const))('forward and gradients match torch (NHWC): %s', async (_, c) => {
    const gn = new GroupNorm(c.config.groups, c.config.channels, { affine: c.config.affine });
    load(gn, c.state_dict);
    const [x, dy, dx] = [nhwc(c.x), nhwc(c.dy), nhwc(c.grads['x']!)];
    const { y, grads } = gradsOf(gn, (xx) => gn.forward(xx), x, dy);
    const want = nhwc(c.y);
    close(y, want, 1e-5, `groupnorm ${c.name} y`);
    close(grads['x']!, dx, 1e-5, `groupnorm ${c.name} dx`);
    for (const name of ['weight', 'bias']) {
      if (c.grads[name] !== undefined) close(grads[name]!, c.grads[name], 1e-5, `groupnorm ${c.name} d${name}`);
    }
    await expectNoLeaks(() => gn.forward(x).dispose());
    tf.dispose([x, dy, dx, y, want, ...Object.values(grads)]);
    gn.dispose();
  });

  it('has weight/bias [C], rejects bad shapes and groups', () => {
    const gn = new GroupNorm(2, 6);
    const sd = gn.stateDict();
    expect(Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, v.shape]))).toEqual({ weight: [6], bias: [6] });
    tf.dispose(Object.values(sd));
    const nchw = tf.zeros([1, 6, 4, 4]);
    expect(() => gn.forward(nchw)).toThrow('GroupNorm: expected input [..., 6] of rank ≥ 2, got [1, 6, 4, 4]');
    expect(() => new GroupNorm(4, 6)).toThrow(/divisible/);
    nchw.dispose();
    gn.dispose();
  });
});
