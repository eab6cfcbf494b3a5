import { tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { SmallConvNet } from './small-conv-net.js';

describe('SmallConvNet', () => {
  it('maps NHWC images to logits with stable state-dict names and no leaks', async () => {
    const net = new SmallConvNet({ inChannels: 1, numClasses: 10 });
    const names = Object.keys(net.stateDict());
    expect(names.filter((n) => n.endsWith('weight'))).toEqual(['conv1.weight', 'bn1.weight', 'conv2.weight', 'bn2.weight', 'fc.weight']);
    expect(net.numParameters()).toBe(1 * 32 * 9 + 2 * 32 + 32 * 64 * 9 + 2 * 64 + 64 * 10 + 10);
    const x = tf.randomNormal([2, 28, 28, 1]);
    const y = await expectNoLeaks(() => net.forward(x), 1);
    expect(y.shape).toEqual([2, 10]);
    tf.dispose([x, y, ...Object.values(net.stateDict())]);
    net.dispose();
  });
});
