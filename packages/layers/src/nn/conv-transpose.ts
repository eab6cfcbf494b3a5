import { ShapeError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module } from '../module.js';
import { checkArg, checkInput, pair } from './common.js';
import type { Pair } from './common.js';

/** Options for {@link ConvTranspose2d}; defaults as `nn.ConvTranspose2d`. */
export interface ConvTranspose2dOptions {
  stride?: Pair;
  /** Zero padding that is cropped from each side of the full transposed output (PyTorch's `padding`). */
  padding?: Pair;
  bias?: boolean;
  rng?: Rng;
}

/**
 * 2-D transposed convolution ("deconvolution") on NHWC activations with `nn.ConvTranspose2d`
 * semantics and state dict (`weight` `[in, out, kh, kw]`, `bias` `[out]`): output side
 * `(in − 1)·stride − 2·padding + kernel`. Groups, dilation and `output_padding` are not
 * supported (no Patchwork model needs them). Runs as `tf.conv2dTranspose`, whose gradients the
 * Patchwork kernels provide on every backend.
 *
 * Init as PyTorch: kaiming_uniform(a = √5) treats dim 1 of `[in, out, kh, kw]` as fan-in, so
 * weight and bias are U(±1/√(out·kh·kw)).
 */
export class ConvTranspose2d extends Module {
  /** tfjs conv2dTranspose filter `[kh, kw, out, in]`. */
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    { stride = 1, padding = 0, bias = true, rng = defaultRng() }: ConvTranspose2dOptions = {},
  ) {
    super();
    this.kernelSize = pair(kernelSize, 'ConvTranspose2d kernelSize');
    this.stride = pair(stride, 'ConvTranspose2d stride');
    this.padding = pair(padding, 'ConvTranspose2d padding', 0);
    checkArg(
      [inChannels, outChannels].every((c) => Number.isInteger(c) && c > 0),
      `ConvTranspose2d: channels must be positive integers, got in ${inChannels}, out ${outChannels}`,
    );
    const [kh, kw] = this.kernelSize;
    const bound = 1 / Math.sqrt(outChannels * kh * kw);
    this.weight = this.addParameter('weight', rng.uniform([kh, kw, outChannels, inChannels], -bound, bound), 'conv_transpose2d');
    this.bias = bias ? this.addParameter('bias', rng.uniform([outChannels], -bound, bound)) : null;
  }

  /** Output `[height, width]` for an input of `[height, width]`, as PyTorch computes it. */
  outputSize(height: number, width: number): [number, number] {
    const out = (size: number, axis: 0 | 1): number => (size - 1) * this.stride[axis] - 2 * this.padding[axis] + this.kernelSize[axis];
    return [out(height, 0), out(width, 1)];
  }

  /** `x`: `[N, H, W, inChannels]` → `[N, H', W', outChannels]` with `[H', W']` = {@link outputSize}. */
  forward(x: tf.Tensor): tf.Tensor4D {
    checkInput('ConvTranspose2d', x, ['N', 'H', 'W', this.inChannels], 'NHWC');
    const [n, h, w] = x.shape as [number, number, number, number];
    const [ho, wo] = this.outputSize(h, w);
    if (ho < 1 || wo < 1) {
      throw new ShapeError(`ConvTranspose2d: input [${x.shape.join(', ')}] with padding [${this.padding.join(', ')}] gives an empty ${ho}×${wo} output`);
    }
    return tf.tidy(() => {
      const [ph, pw] = this.padding;
      // tfjs derives the padding from the requested output shape; an explicit pad keeps PyTorch's exact crop.
      const pad: 'valid' | [[number, number], [number, number], [number, number], [number, number]] =
        ph + pw === 0 ? 'valid' : [[0, 0], [ph, ph], [pw, pw], [0, 0]];
      const y = tf.conv2dTranspose(x as tf.Tensor4D, this.weight as tf.Tensor4D, [n, ho, wo, this.outChannels], this.stride, pad);
      return this.bias === null ? y : (tf.add(y, this.bias) as tf.Tensor4D);
    });
  }
}
