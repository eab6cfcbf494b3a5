import { ShapeError, tf } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { Linear } from './linear.js';

describe('Linear', () => {
  it('rejects a wrong feature axis with a ShapeError naming the module and the shape', () => {
    const fc = new Linear(4, 2);
    const bad = tf.zeros([3, 5]);
    expect(() => fc.forward(bad)).toThrow(ShapeError);
    expect(() => fc.forward(bad)).toThrow('Linear: expected input [..., 4], got [3, 5]');
    bad.dispose();
    fc.dispose();
  });
});
