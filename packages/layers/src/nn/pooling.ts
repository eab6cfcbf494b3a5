import { ShapeError, tf } from '@patchwork/tensor-core';
import { Module } from '../module.js';
import { checkInput, pair } from './common.js';
import type { Pair } from './common.js';

/**
 * `nn.MaxPool2d(kernel, stride)` on NHWC activations, without padding and with
 * `ceil_mode=False` (a trailing row or column that does not fill a window is dropped, as in
 * PyTorch). No parameters. `stride` defaults to the kernel size, as in PyTorch.
 */
export class MaxPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];

  constructor(kernelSize: Pair, stride: Pair = kernelSize) {
    super();
    this.kernelSize = pair(kernelSize, 'MaxPool2d kernelSize');
    this.stride = pair(stride, 'MaxPool2d stride');
  }

  /** `x`: `[N, H, W, C]` → `[N, ⌊(H − kh)/sh⌋ + 1, ⌊(W − kw)/sw⌋ + 1, C]`. */
  forward(x: tf.Tensor): tf.Tensor4D {
    checkInput('MaxPool2d', x, ['N', 'H', 'W', 'C'], 'NHWC');
    const [, h, w] = x.shape as [number, number, number, number];
    if (h < this.kernelSize[0] || w < this.kernelSize[1]) {
      throw new ShapeError(`MaxPool2d: input [${x.shape.join(', ')}] is smaller than the ${this.kernelSize.join('×')} window`);
    }
    return tf.maxPool(x as tf.Tensor4D, this.kernelSize, this.stride, 'valid');
  }
}

/**
 * `F.adaptive_avg_pool2d(x, size)` on NHWC `[B, H, W, C]`: output cell `i` along an axis averages
 * input rows `⌊i·in/out⌋ … ⌈(i+1)·in/out⌉ − 1`, PyTorch's bins (they overlap when `in` is not a
 * multiple of `out`, and repeat rows when `out > in`). Each axis is an `[out, in]` averaging
 * matrix applied as a matmul, so it is exact, differentiable and needs no gather. Caller disposes.
 */
export function adaptiveAvgPool2d(x: tf.Tensor, size: Pair): tf.Tensor4D {
  checkInput('adaptiveAvgPool2d', x, ['B', 'H', 'W', 'C'], 'NHWC');
  const [outH, outW] = pair(size, 'adaptiveAvgPool2d size');
  const [b, h, w, c] = x.shape as [number, number, number, number];
  return tf.tidy(() => {
    let y: tf.Tensor = x;
    if (outH !== h) {
      const ph = tf.tensor3d(binMatrix(h, outH), [1, outH, h]);
      y = tf.matMul(ph, tf.reshape(y, [b, h, w * c])); // [B, outH, W·C]
    }
    if (outW !== w) {
      const pw = tf.tensor3d(binMatrix(w, outW), [1, outW, w]);
      y = tf.matMul(pw, tf.reshape(y, [b * outH, w, c])); // [B·outH, outW, C]
    }
    return tf.reshape(y, [b, outH, outW, c]);
  });
}

/** `nn.AdaptiveAvgPool2d(size)`: {@link adaptiveAvgPool2d} as a parameter-free module (PPM, ASPP image pooling). */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: [number, number];

  constructor(size: Pair) {
    super();
    this.outputSize = pair(size, 'AdaptiveAvgPool2d size');
  }

  /** `x`: `[N, H, W, C]` → `[N, outH, outW, C]`. */
  forward(x: tf.Tensor): tf.Tensor4D {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}

/** Row-major `[out, in]` matrix whose row `i` averages PyTorch's adaptive bin `i`. */
function binMatrix(inSize: number, outSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  for (let i = 0; i < outSize; i++) {
    const start = Math.floor((i * inSize) / outSize);
    const end = Math.ceil(((i + 1) * inSize) / outSize);
    for (let j = start; j < end; j++) m[i * inSize + j] = 1 / (end - start);
  }
  return m;
}
