import { ShapeError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module } from '../module.js';
import { checkArg, checkInput, pair } from './common.js';
import type { Pair } from './common.js';

/** Per-side zero padding `[[top, bottom], [left, right]]`. */
export type Padding2d = [[number, number], [number, number]];

/**
 * Padding as PyTorch takes it (an int or `[ph, pw]`, symmetric; `'same'`; `'valid'`), plus the
 * explicit asymmetric form `[[top, bottom], [left, right]]` that PyTorch needs an `F.pad` for.
 */
export type Conv2dPadding = Pair | 'same' | 'valid' | readonly [readonly [number, number], readonly [number, number]];

/** Options for {@link Conv2d}; defaults as `nn.Conv2d`. */
export interface Conv2dOptions {
  stride?: Pair;
  padding?: Conv2dPadding;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
  rng?: Rng;
}

/**
 * 2-D convolution on NHWC activations with `nn.Conv2d` semantics and state dict (`weight` OIHW,
 * `bias`). `groups == inChannels > 1` runs as a depthwise convolution (torch weight
 * `[C·m, 1, kh, kw]`); other group counts run one convolution per group.
 * Init as PyTorch (kaiming_uniform with a = √5): U(±1/√fan_in) for weight and bias.
 */
export class Conv2d extends Module {
  /**
   * HWIO `[kh, kw, in/groups, out]`; when depthwise `[kh, kw, C·m, 1]`, the form the 'depthwise'
   * layout converter produces for any multiplier m (reshaped to tfjs' `[kh, kw, C, m]` in forward).
   */
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  /** Resolved zero padding. */
  readonly padding: Padding2d;
  /** True when the layer runs as `tf.depthwiseConv2d` (groups == inChannels > 1). */
  readonly depthwise: boolean;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    { stride = 1, padding = 0, dilation = 1, groups = 1, bias = true, rng = defaultRng() }: Conv2dOptions = {},
  ) {
    super();
    this.kernelSize = pair(kernelSize, 'Conv2d kernelSize');
    this.stride = pair(stride, 'Conv2d stride');
    this.dilation = pair(dilation, 'Conv2d dilation');
    checkArg(Number.isInteger(groups) && groups >= 1, `Conv2d groups must be a positive integer, got ${groups}`);
    checkArg(
      inChannels % groups === 0 && outChannels % groups === 0,
      `Conv2d: inChannels (${inChannels}) and outChannels (${outChannels}) must be divisible by groups (${groups})`,
    );
    this.groups = groups;
    this.padding = resolvePadding(padding, this.kernelSize, this.stride, this.dilation);
    this.depthwise = groups > 1 && groups === inChannels;

    const [kh, kw] = this.kernelSize;
    const bound = 1 / Math.sqrt((inChannels / groups) * kh * kw);
    const shape = this.depthwise ? [kh, kw, outChannels, 1] : [kh, kw, inChannels / groups, outChannels];
    this.weight = this.addParameter('weight', rng.uniform(shape, -bound, bound), this.depthwise ? 'depthwise' : 'conv2d');
    this.bias = bias ? this.addParameter('bias', rng.uniform([outChannels], -bound, bound)) : null;
  }

  /** Output `[height, width]` for an input of `[height, width]`, as PyTorch computes it. */
  outputSize(height: number, width: number): [number, number] {
    const out = (size: number, axis: 0 | 1): number => {
      const [before, after] = this.padding[axis];
      const span = this.dilation[axis] * (this.kernelSize[axis] - 1) + 1;
      return Math.floor((size + before + after - span) / this.stride[axis]) + 1;
    };
    return [out(height, 0), out(width, 1)];
  }

  /** `x`: `[N, H, W, inChannels]` → `[N, H', W', outChannels]`. */
  forward(x: tf.Tensor): tf.Tensor4D {
    checkInput('Conv2d', x, ['N', 'H', 'W', this.inChannels], 'NHWC');
    const [, h, w] = x.shape as [number, number, number, number];
    const [ho, wo] = this.outputSize(h, w);
    if (ho < 1 || wo < 1) {
      throw new ShapeError(
        `Conv2d: input [${x.shape.join(', ')}] is too small for kernel [${this.kernelSize.join(', ')}] with dilation ` +
          `[${this.dilation.join(', ')}] and padding ${JSON.stringify(this.padding)} (output would be ${ho}×${wo})`,
      );
    }
    return tf.tidy(() => {
      const x4 = x as tf.Tensor4D;
      const [kh, kw] = this.kernelSize;
      const weight = this.depthwise ? tf.reshape(this.weight, [kh, kw, this.inChannels, this.outChannels / this.inChannels]) : this.weight;
      // tfjs has no conv gradients for dilation > 1, so dilated kernels are spelled out with zeros instead.
      const filter = dilateKernel(weight as tf.Tensor4D, this.dilation);
      const [[t, b], [l, r]] = this.padding;
      const pad: 'valid' | [[number, number], [number, number], [number, number], [number, number]] =
        t + b + l + r === 0 ? 'valid' : [[0, 0], [t, b], [l, r], [0, 0]];
      let y: tf.Tensor4D;
      if (this.depthwise) {
        y = tf.depthwiseConv2d(x4, filter, this.stride, pad);
      } else if (this.groups === 1) {
        y = tf.conv2d(x4, filter, this.stride, pad);
      } else {
        const xs = tf.split(x4, this.groups, 3) as tf.Tensor4D[];
        const ws = tf.split(filter, this.groups, 3) as tf.Tensor4D[];
        y = tf.concat(xs.map((xi, i) => tf.conv2d(xi, ws[i]!, this.stride, pad)), 3);
      }
      return this.bias === null ? y : tf.add(y, this.bias);
    });
  }
}

function resolvePadding(padding: Conv2dPadding, kernel: [number, number], stride: [number, number], dilation: [number, number]): Padding2d {
  if (padding === 'valid') return [[0, 0], [0, 0]];
  if (padding === 'same') {
    checkArg(stride[0] === 1 && stride[1] === 1, "Conv2d: padding='same' is not supported for strided convolutions (as in PyTorch)");
    // PyTorch puts the odd pixel of an even total after (bottom/right).
    const side = (axis: 0 | 1): [number, number] => {
      const total = dilation[axis] * (kernel[axis] - 1);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    };
    return [side(0), side(1)];
  }
  if (typeof padding !== 'number' && Array.isArray(padding[0])) {
    const [[t, b], [l, r]] = padding as readonly [readonly [number, number], readonly [number, number]];
    const explicit: Padding2d = [[t, b], [l, r]];
    checkArg(
      explicit.flat().every((v) => Number.isInteger(v) && v >= 0),
      `Conv2d padding must be non-negative integers, got ${JSON.stringify(padding)}`,
    );
    return explicit;
  }
  const [ph, pw] = pair(padding as Pair, 'Conv2d padding', 0);
  return [[ph, ph], [pw, pw]];
}

/** Insert `d − 1` zero taps between kernel taps along H and W (a no-op for dilation 1). */
function dilateKernel(w: tf.Tensor4D, [dh, dw]: [number, number]): tf.Tensor4D {
  return dilateAxis(dilateAxis(w, 0, dh), 1, dw);
}

function dilateAxis(w: tf.Tensor4D, axis: 0 | 1, d: number): tf.Tensor4D {
  if (d === 1) return w;
  const shape = w.shape;
  const k = shape[axis];
  const outer = axis === 0 ? 1 : shape[0];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  // [outer, k, 1, inner] → zero-pad to [outer, k, d, inner] → [outer, k·d, inner], then drop the trailing zeros.
  const padded = tf.pad(tf.reshape(w, [outer, k, 1, inner]), [[0, 0], [0, 0], [0, d - 1], [0, 0]]);
  const span = (k - 1) * d + 1;
  const spread = tf.slice(tf.reshape(padded, [outer, k * d, inner]), [0, 0, 0], [outer, span, inner]);
  const out = [...shape] as [number, number, number, number];
  out[axis] = span;
  return tf.reshape(spread, out);
}
