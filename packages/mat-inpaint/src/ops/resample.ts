import { PatchworkError, tf } from '@patchwork/tensor-core';

/**
 * MAT's FIR resampling filter: every MAT layer is built with `resample_filter=[1,3,3,1]`, which
 * `upfirdn2d.setup_filter` turns into the normalised 4×4 outer product (sum 1). It is separable:
 * `f = t ⊗ t` with `t = [1,3,3,1]/8`.
 */
export const RESAMPLE_TAPS = [1, 3, 3, 1] as const;

const TAPS_1D = RESAMPLE_TAPS.map((v) => v / 8);

/** The `resample_filter` buffer value: `[4, 4]`, sum 1. Caller disposes. */
export function resampleFilter(): tf.Tensor2D {
  const n = TAPS_1D.length;
  const f = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) f[i * n + j] = TAPS_1D[i]! * TAPS_1D[j]!;
  return tf.tensor2d(f, [n, n]);
}

/** `[k + 3, k]` Toeplitz matrix `T[v, b] = g·t[v − b]`: `T · w` is the full 1-D convolution of `w` with `g·t`. */
function toeplitz(k: number, gain: number): tf.Tensor2D {
  const n = TAPS_1D.length;
  const rows = k + n - 1;
  const m = new Float32Array(rows * k);
  for (let v = 0; v < rows; v++) {
    for (let b = 0; b < k; b++) {
      const j = v - b;
      if (j >= 0 && j < n) m[v * k + b] = gain * TAPS_1D[j]!;
    }
  }
  return tf.tensor2d(m, [rows, k]);
}

/**
 * Fold the blur into a conv kernel: HWIO `w` `[k, k, I, O]` → `[k + 3, k + 3, I, O]`, the full 2-D
 * convolution of each `w[:, :, i, o]` with `gain · f`. Blurring and then correlating with `w`
 * equals one correlation with this kernel. Two small matmuls on the weights, so it stays
 * differentiable to any order (the R1 penalty needs second derivatives).
 */
function fuseBlur(w: tf.Tensor4D, gain: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [k, , inC, outC] = w.shape;
    const t = toeplitz(k, Math.sqrt(gain)); // separable: gain·(t ⊗ t) = (√gain·t) ⊗ (√gain·t)
    const kk = k + TAPS_1D.length - 1;
    const rowsDone = tf.matMul(t, tf.reshape(w, [k, k * inC * outC])); // [kk, k·I·O] (v1, b2, i, o)
    const swapped = tf.transpose(tf.reshape(rowsDone, [kk, k, inC * outC]), [1, 0, 2]); // [k, kk, I·O] (b2, v1, io)
    const colsDone = tf.matMul(t, tf.reshape(swapped, [k, kk * inC * outC])); // [kk, kk·I·O] (v2, v1, io)
    return tf.reshape(tf.transpose(tf.reshape(colsDone, [kk, kk, inC * outC]), [1, 0, 2]), [kk, kk, inC, outC]);
  });
}

/** Options for {@link conv2dResample}. */
export interface ResampleOptions {
  /** Upsampling factor, 1 or 2. */
  up?: number;
  /** Downsampling factor, 1 or 2. */
  down?: number;
}

/**
 * StyleGAN2's `conv2d_resample(x, w, f=[1,3,3,1], up, down, padding=k//2)` on NHWC `x` with an
 * HWIO weight `[k, k, I, O]` (odd k). The official op pads, blurs with the FIR filter and
 * convolves (down = 2), or transposed-convolves and blurs with gain 4 (up = 2). Here the blur is
 * folded into the weights ({@link fuseBlur}) so each case is a single tfjs convolution — on wasm a
 * separate depthwise blur costs as much as the convolution itself:
 * - down = 2: pad `k//2 + 1`, then a `(k+3)²` stride-2 convolution;
 * - up = 2: a stride-2 transposed convolution with the spatially flipped `(k+3)²` kernel and
 *   padding `(k+1)/2`, which equals `conv_transpose2d` (padding 0) followed by the gain-4 blur.
 * Output `[B, H·up/down, W·up/down, O]`; H and W must be even when down = 2. Caller disposes.
 */
export function conv2dResample(x: tf.Tensor4D, w: tf.Tensor4D, { up = 1, down = 1 }: ResampleOptions = {}): tf.Tensor4D {
  const k = w.shape[0];
  if (w.shape[1] !== k || k % 2 !== 1) throw new PatchworkError('E_ARGUMENT', `conv2dResample: kernel must be square with an odd size, got [${w.shape.join(', ')}]`);
  if (![1, 2].includes(up) || ![1, 2].includes(down) || (up === 2 && down === 2)) {
    throw new PatchworkError('E_ARGUMENT', `conv2dResample: supports up ∈ {1, 2} or down ∈ {1, 2}, got up=${up}, down=${down}`);
  }
  const [b, h, wd] = x.shape;
  const p = (k - 1) / 2;
  return tf.tidy(() => {
    if (down === 2) {
      if (h % 2 !== 0 || wd % 2 !== 0) throw new PatchworkError('E_ARGUMENT', `conv2dResample: down=2 needs an even height and width, got ${h}×${wd}`);
      const padded = tf.pad(x, [[0, 0], [p + 1, p + 1], [p + 1, p + 1], [0, 0]]);
      return tf.conv2d(padded, fuseBlur(w, 1), 2, 'valid');
    }
    if (up === 2) {
      const fused = fuseBlur(w, up * up); // [k+3, k+3, I, O]
      const flipped = tf.transpose(tf.reverse(fused, [0, 1]), [0, 1, 3, 2]); // [k+3, k+3, O, I]
      return tf.conv2dTranspose(x, flipped as tf.Tensor4D, [b, h * 2, wd * 2, w.shape[3]], 2, (k + 1) / 2);
    }
    return tf.conv2d(x, w, 1, p === 0 ? 'valid' : [[0, 0], [p, p], [p, p], [0, 0]]);
  });
}

/**
 * `upfirdn2d.upsample2d(x, f)`: zero-insertion ×2 and the gain-4 FIR blur, per channel, on NHWC
 * `[B, H, W, C]` → `[B, 2H, 2W, C]` (MAT upsamples the running RGB image between tail blocks with
 * it). Runs as one transposed convolution with the blur on the channel diagonal. Caller disposes.
 */
export function upsample2d(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  return tf.tidy(() => {
    const eye = tf.reshape(tf.eye(c), [1, 1, c, c]);
    const filter = tf.mul(tf.reshape(resampleFilter(), [4, 4, 1, 1]), eye); // [4, 4, C, C], f·δ(i, o)
    return tf.conv2dTranspose(x, tf.mul(filter, 4) as tf.Tensor4D, [b, 2 * h, 2 * w, c], 2, 1);
  });
}
