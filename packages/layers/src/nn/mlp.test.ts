import { tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { Mlp } from './mlp.js';
import { close, gradsOf, load, loadFixture, tensor } from './__fixtures__/reference.js';
import type { Encoded } from './__fixtures__/reference.js';

// Reference values: tooling/reference/layers_reference.py (timm.layers.Mlp, eval mode).
const mlpFx = loadFixture<{
  config: { in: number; hidden: number; out: number };
  state_dict: Record<string, Encoded>;
  x: Encoded;
  y: Encoded;
  dy: Encoded;
  grads: Record<string, Encoded>;
}>('mlp.json');

describe('Mlp', () => {
  it('forward and gradients match timm, with timm names', async () => {
    const mlp = new Mlp(mlpFx.config.in, { hiddenFeatures: mlpFx.config.hidden, outFeatures: mlpFx.config.out }).eval();
    expect(mlp.namedParameters().map(([name]) => name)).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    load(mlp, mlpFx.state_dict);
    const [x, dy] = [tensor(mlpFx.x), tensor(mlpFx.dy)];
    const { y, grads } = gradsOf(mlp, (xx) => mlp.forward(xx), x, dy);
    close(y, mlpFx.y, 1e-5, 'mlp y');
    for (const [name, want] of Object.entries(mlpFx.grads)) close(grads[name]!, want, 1e-5, `mlp d${name}`);
    await expectNoLeaks(() => mlp.forward(x).dispose());
    const bad = tf.zeros([2, 5]);
    expect(() => mlp.forward(bad)).toThrow('Mlp: expected input [..., 6], got [2, 5]');
    tf.dispose([x, dy, y, bad, ...Object.values(grads)]);
    mlp.dispose();
  });
});
