import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../tf.js';
import { initBackend } from '../select.js';
import { rand } from './__fixtures__/grad-check.js';
import { registerPatchworkKernels } from './index.js';

const KERNELS = ['BatchMatMul', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'MaxPoolGrad', 'UnsortedSegmentSum'];

type Case = [string, (...xs: tf.Tensor[]) => tf.Tensor, number[][]];

// Gradients w.r.t. every input, so each patched kernel named runs.
const GRADIENTS: Case[] = [
  ['BatchMatMul (per slice, transposed)', (a, b) => tf.matMul(a!, b!, false, true), [[6, 19, 23], [6, 21, 23]]],
  ['BatchMatMul (batch × weights, broadcast gradient)', (a, b) => tf.matMul(a!, b!), [[6, 19, 23], [23, 5]]],
  ['Conv2DBackpropFilter/Input', (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'), [[2, 7, 5, 3], [3, 3, 3, 4]]],
  ['DepthwiseConv2dNativeBackpropFilter/Input', (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'), [[2, 7, 5, 3], [3, 3, 3, 2]]],
  ['MaxPoolGrad', (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'same'), [[2, 7, 5, 3]]],
  ['UnsortedSegmentSum', (x) => tf.gather(x!, tf.tensor1d([0, 2, 2], 'int32')), [[3, 4]]],
];

describe('registerPatchworkKernels', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('registers every patched wasm kernel, idempotently', () => {
    const before = KERNELS.map((name) => tf.getKernel(name, 'wasm'));
    expect(before.every((k) => k !== undefined)).toBe(true);
    registerPatchworkKernels();
    expect(KERNELS.map((name) => tf.getKernel(name, 'wasm'))).toEqual(before);
  });

  it.each(GRADIENTS)('%s: gradients leak neither tensors nor wasm heap buffers', (_, f, shapes) => {
    const xs = shapes.map((shape, i) => rand(shape, i + 1));
    const grad = (): void => tf.dispose(tf.grads((...ts: tf.Tensor[]) => tf.sum(f(...ts)))(xs));
    grad(); // warm-up: lazily created constants are not leaks
    const backend = tf.backend();
    const tensors = tf.memory().numTensors;
    const buffers = backend.numDataIds();
    grad();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
    tf.dispose(xs);
  });
});
