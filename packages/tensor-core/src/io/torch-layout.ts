import { ShapeError } from '../errors.js';
import { tf } from '../tf.js';

/**
 * How a parameter is laid out in a PyTorch checkpoint compared with what tfjs ops want.
 * - `none`: same layout.
 * - `linear`: torch `[out, in]` ↔ tfjs `[in, out]` (so `y = x·W + b`).
 * - `conv2d`: torch OIHW (`[out, in/groups, kh, kw]`) ↔ tfjs HWIO.
 * - `depthwise`: torch `[C·m, 1, kh, kw]` ↔ `[kh, kw, C·m, 1]`; tfjs' depthwise filter `[kh, kw, C, m]` is a
 *   plain reshape of that (torch output channel c·m + j is row-major in (c, j)), done at use.
 * - `conv_transpose2d`: torch `[in, out/groups, kh, kw]` ↔ tfjs conv2dTranspose `[kh, kw, out, in]`.
 */
export type TorchLayout = 'none' | 'linear' | 'conv2d' | 'depthwise' | 'conv_transpose2d';

/** Convert a tensor from its PyTorch layout to the tfjs layout. Returns a new tensor; caller disposes. */
export function fromTorchLayout(t: tf.Tensor, layout: TorchLayout, name = 'tensor'): tf.Tensor {
  switch (layout) {
    case 'none':
      return tf.clone(t);
    case 'linear':
      expectRank(t, 2, name, layout);
      return tf.transpose(t, [1, 0]);
    case 'conv2d':
    case 'conv_transpose2d':
      expectRank(t, 4, name, layout);
      return tf.transpose(t, [2, 3, 1, 0]);
    case 'depthwise': {
      expectRank(t, 4, name, layout);
      if (t.shape[1] !== 1) throw new ShapeError(`${name}: depthwise weight must be [C·m, 1, kh, kw], got [${t.shape.join(', ')}]`);
      return tf.tidy(() => {
        const [cm, , kh, kw] = t.shape as [number, number, number, number];
        // [C·m, 1, kh, kw] -> [kh, kw, C·m] -> [kh, kw, C·m, 1]
        return tf.reshape(tf.transpose(tf.reshape(t, [cm, kh, kw]), [1, 2, 0]), [kh, kw, cm, 1]);
      });
    }
  }
}

/**
 * Convert from the tfjs layout back to PyTorch's. `depthwise` needs the channel count to undo the
 * `[kh, kw, C, m]` split. Returns a new tensor; caller disposes.
 */
export function toTorchLayout(t: tf.Tensor, layout: TorchLayout, name = 'tensor'): tf.Tensor {
  switch (layout) {
    case 'none':
      return tf.clone(t);
    case 'linear':
      expectRank(t, 2, name, layout);
      return tf.transpose(t, [1, 0]);
    case 'conv2d':
    case 'conv_transpose2d':
      expectRank(t, 4, name, layout);
      return tf.transpose(t, [3, 2, 0, 1]);
    case 'depthwise': {
      expectRank(t, 4, name, layout);
      return tf.tidy(() => {
        const [kh, kw, c, m] = t.shape as [number, number, number, number];
        return tf.reshape(tf.transpose(tf.reshape(t, [kh, kw, c * m]), [2, 0, 1]), [c * m, 1, kh, kw]);
      });
    }
  }
}

/** The PyTorch shape that a tfjs-layout tensor of `shape` corresponds to. */
export function torchShapeOf(shape: readonly number[], layout: TorchLayout): number[] {
  switch (layout) {
    case 'none':
      return [...shape];
    case 'linear':
      return [shape[1]!, shape[0]!];
    case 'conv2d':
    case 'conv_transpose2d':
      return [shape[3]!, shape[2]!, shape[0]!, shape[1]!];
    case 'depthwise':
      return [shape[2]! * shape[3]!, 1, shape[0]!, shape[1]!];
  }
}

/** NCHW activations (PyTorch) → NHWC (tfjs). Caller disposes. */
export function nchwToNhwc(t: tf.Tensor): tf.Tensor4D {
  expectRank(t, 4, 'activation', 'NCHW');
  return tf.transpose(t as tf.Tensor4D, [0, 2, 3, 1]);
}

/** NHWC activations (tfjs) → NCHW (PyTorch). Caller disposes. */
export function nhwcToNchw(t: tf.Tensor): tf.Tensor4D {
  expectRank(t, 4, 'activation', 'NHWC');
  return tf.transpose(t as tf.Tensor4D, [0, 3, 1, 2]);
}

function expectRank(t: tf.Tensor, rank: number, name: string, what: string): void {
  if (t.rank !== rank) throw new ShapeError(`${name}: ${what} layout needs a rank-${rank} tensor, got shape [${t.shape.join(', ')}]`);
}
