import { tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { GELU, ReLU6 } from './activations.js';
import { close, loadFixture, tensor } from './__fixtures__/reference.js';
import type { Encoded } from './__fixtures__/reference.js';

// Reference values: tooling/reference/layers_reference.py (nn.GELU(), nn.GELU('tanh'), nn.ReLU6; dx of sum(y)).
type Ref = { y: Encoded; dx: Encoded };
const fx = loadFixture<{ x: Encoded; gelu: Ref; gelu_tanh: Ref; relu6: Ref }>('activations.json');

describe('activations', () => {
  const cases = [
    ['gelu', () => new GELU(), fx.gelu],
    ['gelu_tanh', () => new GELU('tanh'), fx.gelu_tanh],
    ['relu6', () => new ReLU6(), fx.relu6],
  ] as const;

  it.each(cases)('%s matches torch, forward and gradient, without leaks', async (name, make, ref) => {
    const act = make();
    const x = tensor(fx.x);
    const y = act.forward(x);
    close(y, ref.y, 1e-6, `${name} y`);
    const dx = tf.grad((xx: tf.Tensor) => tf.sum(act.forward(xx)))(x);
    // 5e-6: TensorFlow's tanh saturates to ±1 a little earlier than torch's, zeroing tiny tail gradients.
    close(dx, ref.dx, 5e-6, `${name} dx`);
    await expectNoLeaks(() => act.forward(x).dispose());
    tf.dispose([x, y, dx]);
    expect(act.stateDict()).toEqual({});
  });
});
