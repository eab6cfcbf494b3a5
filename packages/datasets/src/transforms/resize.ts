import { PatchworkError, tf } from '@patchwork/tensor-core';
import { checkSize, onBatch, spatialSize } from './layout.js';

/**
 * Interpolation modes, with PyTorch `F.interpolate(..., align_corners=False, antialias=False)`
 * semantics: `bilinear` and `bicubic` (Keys kernel, a = −0.75, edge pixels replicated) match
 * torch's modes of the same name; `nearest` picks `floor((i + 0.5)·in/out)`, i.e. torch's
 * `nearest-exact` and PIL's nearest, which is symmetric and what label maps need.
 * Without antialiasing, shrinking by more than 2× aliases, as in torch.
 */
export type Interpolation = 'nearest' | 'bilinear' | 'bicubic';

const CUBIC_A = -0.75;

/** Per-output-pixel source indices and weights along one axis (`taps` of each). */
interface AxisTaps {
  taps: number;
  indices: Int32Array;
  weights: Float32Array;
}

function cubicNear(x: number): number {
  return ((CUBIC_A + 2) * x - (CUBIC_A + 3)) * x * x + 1;
}

function cubicFar(x: number): number {
  return ((CUBIC_A * x - 5 * CUBIC_A) * x + 8 * CUBIC_A) * x - 4 * CUBIC_A;
}

function axisTaps(inSize: number, outSize: number, method: Interpolation): AxisTaps {
  const scale = inSize / outSize;
  const taps = method === 'nearest' ? 1 : method === 'bilinear' ? 2 : 4;
  const indices = new Int32Array(outSize * taps);
  const weights = new Float32Array(outSize * taps);
  const clamp = (i: number): number => Math.min(Math.max(i, 0), inSize - 1);
  for (let o = 0; o < outSize; o++) {
    const k = o * taps;
    if (method === 'nearest') {
      indices[k] = Math.min(Math.floor((o + 0.5) * scale), inSize - 1);
      weights[k] = 1;
    } else if (method === 'bilinear') {
      // torch clamps negative source positions to 0 for linear modes only.
      const src = Math.max((o + 0.5) * scale - 0.5, 0);
      const i0 = Math.floor(src);
      const t = src - i0;
      indices[k] = i0;
      indices[k + 1] = clamp(i0 + 1);
      weights[k] = 1 - t;
      weights[k + 1] = t;
    } else {
      const src = (o + 0.5) * scale - 0.5;
      const i0 = Math.floor(src);
      const t = src - i0;
      const w = [cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)];
      for (let j = 0; j < 4; j++) {
        indices[k + j] = clamp(i0 - 1 + j);
        weights[k + j] = w[j]!;
      }
    }
  }
  return { taps, indices, weights };
}

/** Resample axis 1 (height) or 2 (width) of an NHWC tensor. */
function resizeAxis(x: tf.Tensor4D, axis: 1 | 2, outSize: number, method: Interpolation): tf.Tensor4D {
  const inSize = x.shape[axis];
  if (inSize === outSize) return x.clone();
  const { taps, indices, weights } = axisTaps(inSize, outSize, method);
  return tf.tidy(() => {
    const gathered = tf.gather(x, tf.tensor1d(indices, 'int32'), axis);
    if (taps === 1) return gathered as tf.Tensor4D;
    const [n, h, w, c] = x.shape;
    const split = axis === 1 ? [n, outSize, taps, w, c] : [n, h, outSize, taps, c];
    const wShape = axis === 1 ? [1, outSize, taps, 1, 1] : [1, 1, outSize, taps, 1];
    return tf.sum(tf.mul(tf.reshape(gathered, split), tf.tensor(weights, wShape)), axis + 1) as tf.Tensor4D;
  });
}

/**
 * Resize an HWC or NHWC tensor to `[height, width]`. Float tensors use any mode; integer
 * tensors (label maps) only `nearest`. Returns a new tensor; the input is not disposed.
 */
export function resize(x: tf.Tensor, size: readonly [number, number], method: Interpolation = 'bilinear'): tf.Tensor {
  checkSize(size, 'resize');
  spatialSize(x, 'resize');
  if (method !== 'nearest' && x.dtype !== 'float32') {
    throw new PatchworkError('E_DTYPE', `resize: ${method} interpolation needs a float32 tensor, got ${x.dtype} (use 'nearest' for labels)`);
  }
  return onBatch(x, 'resize', (x4) =>
    tf.tidy(() => {
      const rows = resizeAxis(x4, 1, size[0], method);
      return resizeAxis(rows, 2, size[1], method);
    }),
  );
}

/**
 * The `[height, width]` that gives the shorter side `size` and keeps the aspect ratio, with
 * torchvision `Resize(int)` rounding (the long side is truncated).
 */
export function shortSideSize(height: number, width: number, size: number): [number, number] {
  if (height <= width) return [size, Math.trunc((size * width) / height)];
  return [Math.trunc((size * height) / width), size];
}
