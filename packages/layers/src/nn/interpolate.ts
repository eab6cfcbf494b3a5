import { tf } from '@patchwork/tensor-core';
import { checkInput, pair } from './common.js';
import type { Pair } from './common.js';

/** Resampling kernels of {@link interpolate}. */
export type InterpolationMode = 'bilinear' | 'bicubic';

/** Options for {@link interpolate}. */
export interface InterpolateOptions {
  mode?: InterpolationMode;
  /**
   * PyTorch's `antialias`: PIL-style separable filters (bicubic with a = −0.5, triangle for
   * bilinear) whose support widens by in/out when downscaling. Without it: the classic kernels
   * (bicubic a = −0.75 with clamped taps, bilinear with clamped source index).
   */
  antialias?: boolean;
}

/**
 * `F.interpolate(x, size, mode, align_corners=False, antialias)` on NHWC `[B, H, W, C]`, for
 * bilinear and bicubic. Each axis is a small `[out, in]` weight matrix built on the host with
 * PyTorch's formulas and applied as a matmul, so the result is differentiable and needs no
 * gather or strided slice. Caller disposes.
 */
export function interpolate(x: tf.Tensor, size: Pair, { mode = 'bilinear', antialias = false }: InterpolateOptions = {}): tf.Tensor4D {
  checkInput('interpolate', x, ['B', 'H', 'W', 'C'], 'NHWC');
  const [outH, outW] = pair(size, 'interpolate size');
  const [b, h, w, c] = x.shape as [number, number, number, number];
  return tf.tidy(() => {
    let y: tf.Tensor = x;
    if (outH !== h) {
      const wh = tf.tensor3d(resampleWeights(h, outH, mode, antialias), [1, outH, h]);
      y = tf.matMul(wh, tf.reshape(y, [b, h, w * c]));
    }
    if (outW !== w) {
      const ww = tf.tensor3d(resampleWeights(w, outW, mode, antialias), [1, outW, w]);
      y = tf.matMul(ww, tf.reshape(y, [b * outH, w, c]));
    }
    return tf.reshape(y, [b, outH, outW, c]);
  });
}

/**
 * Row-major `[outSize, inSize]` matrix M with `out = M · in` along one axis, following ATen's
 * UpSampleKernel (align_corners=False, scale = in/out). Computed in float64.
 */
function resampleWeights(inSize: number, outSize: number, mode: InterpolationMode, antialias: boolean): Float32Array {
  const m = new Float64Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const row = m.subarray(i * inSize, (i + 1) * inSize);
    if (antialias) antialiasRow(row, i, scale, mode === 'bicubic' ? 4 : 2, mode === 'bicubic' ? keysCubic : triangle);
    else if (mode === 'bicubic') bicubicRow(row, i, scale);
    else bilinearRow(row, i, scale);
  }
  return Float32Array.from(m);
}

/** `_compute_weights_aa`: taps j ∈ [⌊center − support + ½⌋, ⌊center + support + ½⌋) ∩ [0, in), weights normalised. */
function antialiasRow(row: Float64Array, i: number, scale: number, interpSize: number, filter: (x: number) => number): void {
  const support = (interpSize / 2) * Math.max(scale, 1);
  const invScale = scale >= 1 ? 1 / scale : 1;
  const center = scale * (i + 0.5);
  // C++ casts to int64 (truncation toward zero) before clamping.
  const lo = Math.max(Math.trunc(center - support + 0.5), 0);
  const hi = Math.min(Math.trunc(center + support + 0.5), row.length);
  let total = 0;
  for (let j = lo; j < hi; j++) total += row[j] = filter((j - center + 0.5) * invScale);
  if (total !== 0) for (let j = lo; j < hi; j++) row[j]! /= total;
}

/** `upsample_bicubic2d`: 4 taps around ⌊src⌋ with A = −0.75, indices clamped to the border. */
function bicubicRow(row: Float64Array, i: number, scale: number): void {
  const src = scale * (i + 0.5) - 0.5;
  const base = Math.floor(src);
  const t = src - base;
  const a = -0.75;
  const coeffs = [cubicFar(t + 1, a), cubicNear(t, a), cubicNear(1 - t, a), cubicFar(2 - t, a)];
  coeffs.forEach((c, k) => (row[clamp(base - 1 + k, row.length)]! += c));
}

/** `upsample_bilinear2d`: source index clamped at 0, second tap clamped to the last pixel. */
function bilinearRow(row: Float64Array, i: number, scale: number): void {
  const src = Math.max(scale * (i + 0.5) - 0.5, 0);
  const i0 = Math.trunc(src);
  const i1 = i0 < row.length - 1 ? i0 + 1 : i0;
  const l1 = src - i0;
  row[i0]! += 1 - l1;
  row[i1]! += l1;
}

function clamp(j: number, size: number): number {
  return Math.min(Math.max(j, 0), size - 1);
}

function cubicNear(x: number, a: number): number {
  return ((a + 2) * x - (a + 3)) * x * x + 1;
}

function cubicFar(x: number, a: number): number {
  return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
}

/** Keys' cubic with a = −0.5, the antialiasing bicubic filter. */
function keysCubic(x: number): number {
  const ax = Math.abs(x);
  if (ax < 1) return cubicNear(ax, -0.5);
  if (ax < 2) return cubicFar(ax, -0.5);
  return 0;
}

function triangle(x: number): number {
  return Math.max(1 - Math.abs(x), 0);
}
