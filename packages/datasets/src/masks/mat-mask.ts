import { PatchworkError, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { drawPolyline, fillRect } from './raster.js';
import type { Canvas, Point } from './raster.js';

/**
 * Maximum counts (numpy `randint(k)` draws 0..k−1) of half-size rectangles, full-size
 * rectangles and brush strokes in MAT's official generators (`datasets/mask_generator_*.py`).
 */
export const MAT_MASK_PRESETS = {
  /** `mask_generator_512.py`: the large masks MAT trains on. */
  '512': { halfRects: 5, fullRects: 3, strokes: 9 },
  /** `mask_generator_512_small.py`: the small test masks. */
  '512-small': { halfRects: 3, fullRects: 2, strokes: 4 },
  /** `mask_generator_256.py`. */
  '256': { halfRects: 4, fullRects: 2, strokes: 8 },
  /** `mask_generator_256_small.py`. */
  '256-small': { halfRects: 2, fullRects: 2, strokes: 3 },
} as const;

/** Name of a {@link MAT_MASK_PRESETS} entry. */
export type MatMaskPreset = keyof typeof MAT_MASK_PRESETS;

/** Options for {@link matFreeFormMask}. */
export interface MatMaskOptions {
  /** Default `'512'` (MAT's training masks). */
  preset?: MatMaskPreset;
  /** Keep only masks whose hole ratio lies strictly inside `(lo, hi)`; default `[0, 1]`. Also scales the counts, as MAT does. */
  holeRange?: readonly [number, number];
  /** Brush width range in pixels, `int(U(min, max))`; default MAT's absolute `[12, 48]` whatever the size. */
  strokeWidth?: readonly [number, number];
  /** Give up after this many rejected masks (MAT loops forever). Default 1000. */
  maxAttempts?: number;
}

/** A free-form mask with MAT's convention: **1 = known pixel, 0 = hole**. */
export interface MatMask {
  /** `size × size` row-major values in {0, 1}. */
  mask: Float32Array;
  size: number;
  /** Fraction of pixels that are holes (0). */
  holeRatio: number;
}

const MEAN_ANGLE = (2 * Math.PI) / 5;
const ANGLE_RANGE = (2 * Math.PI) / 15;

/** numpy `randint(lo, hi)`: an integer in [lo, hi). MAT calls `randint(0)` for tiny hole ranges, which numpy rejects; we read it as 0. */
function randint(rng: Rng, lo: number, hi: number): number {
  return hi <= lo ? lo : lo + rng.int(hi - lo);
}

/** `Fill`: a rectangle of up to `maxSize` per side whose centre may sit half outside the canvas. */
function fillRandomRect(holes: Canvas, rng: Rng, maxSize: number): void {
  const s = holes.width;
  const w = randint(rng, 0, maxSize);
  const h = randint(rng, 0, maxSize);
  const ww = Math.floor(w / 2);
  const hh = Math.floor(h / 2);
  const x = randint(rng, -ww, s - w + ww);
  const y = randint(rng, -hh, s - h + hh);
  fillRect(holes, y, x, y + h, x + w);
}

/** `RandomBrush`: strokes of 4..17 segments zig-zagging around 2π/5, with round joints. */
function drawRandomBrush(holes: Canvas, rng: Rng, maxStrokes: number, [minWidth, maxWidth]: readonly [number, number]): void {
  const s = holes.width;
  const meanRadius = Math.sqrt(2 * s * s) / 8;
  const strokes = randint(rng, 0, maxStrokes);
  for (let k = 0; k < strokes; k++) {
    const numVertex = randint(rng, 4, 18);
    const angleMin = MEAN_ANGLE - rng.uniformScalar(0, ANGLE_RANGE);
    const angleMax = MEAN_ANGLE + rng.uniformScalar(0, ANGLE_RANGE);
    const angles = Array.from({ length: numVertex }, (_, i) => {
      const a = rng.uniformScalar(angleMin, angleMax);
      return i % 2 === 0 ? 2 * Math.PI - a : a;
    });
    const vertices: Point[] = [[randint(rng, 0, s), randint(rng, 0, s)]];
    for (const angle of angles) {
      const [px, py] = vertices[vertices.length - 1]!;
      // numpy: normal(loc=r̄, scale=r̄ // 2) clipped to [0, 2r̄]; vertices truncated to ints.
      const r = Math.min(Math.max(meanRadius + Math.floor(meanRadius / 2) * rng.nextNormal(), 0), 2 * meanRadius);
      const nx = Math.min(Math.max(px + r * Math.cos(angle), 0), s);
      const ny = Math.min(Math.max(py + r * Math.sin(angle), 0), s);
      vertices.push([Math.trunc(nx), Math.trunc(ny)]);
    }
    const width = Math.trunc(rng.uniformScalar(minWidth, maxWidth));
    // MAT draws a `width`-wide line plus an ellipse of diameter 2·(width // 2) ≤ width at every
    // vertex; a capsule per segment covers both. (Its in-loop PIL `transpose` results are
    // discarded, so those flips are no-ops and are left out.)
    drawPolyline(holes, vertices, width);
  }
  if (rng.next() > 0.5) flipRows(holes);
  if (rng.next() > 0.5) flipColumns(holes);
}

function flipRows({ data, height, width }: Canvas): void {
  for (let y = 0; y < Math.floor(height / 2); y++) {
    const a = data.slice(y * width, (y + 1) * width);
    data.copyWithin(y * width, (height - 1 - y) * width, (height - y) * width);
    data.set(a, (height - 1 - y) * width);
  }
}

function flipColumns({ data, height, width }: Canvas): void {
  for (let y = 0; y < height; y++) data.subarray(y * width, (y + 1) * width).reverse();
}

/**
 * Port of MAT's `RandomMask` (fenglinglwb/MAT `datasets/mask_generator_512.py` and siblings):
 * on a `size × size` canvas, up to `halfRects−1` rectangles of side < size/2 and up to
 * `fullRects−1` of side < size (centres may lie half outside), then up to `strokes−1` random
 * brush strokes (width `int(U(12, 48))`, 4–17 vertices); the hole is their union. Counts are
 * scaled by `min(lo + hi, 1)` of `holeRange`, and masks whose hole ratio is not strictly inside
 * `holeRange` are redrawn. Seeded by `rng`; not bit-identical to numpy's stream.
 */
export function matFreeFormMask(size: number, rng: Rng, options: MatMaskOptions = {}): MatMask {
  const { preset = '512', holeRange = [0, 1], strokeWidth = [12, 48], maxAttempts = 1000 } = options;
  if (!Number.isInteger(size) || size < 1) throw new PatchworkError('E_ARGUMENT', `matFreeFormMask: size must be a positive integer, got ${size}`);
  const [lo, hi] = holeRange;
  if (!(lo >= 0 && lo < hi && hi <= 1)) throw new PatchworkError('E_ARGUMENT', `matFreeFormMask: holeRange must satisfy 0 ≤ lo < hi ≤ 1, got [${lo}, ${hi}]`);
  const counts = MAT_MASK_PRESETS[preset];
  if (counts === undefined) throw new PatchworkError('E_ARGUMENT', `matFreeFormMask: unknown preset '${preset}' (one of ${Object.keys(MAT_MASK_PRESETS).join(', ')})`);
  const coef = Math.min(lo + hi, 1);
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const holes: Canvas = { data: new Uint8Array(size * size), height: size, width: size };
    const half = randint(rng, 0, Math.trunc(counts.halfRects * coef));
    for (let i = 0; i < half; i++) fillRandomRect(holes, rng, Math.floor(size / 2));
    const full = randint(rng, 0, Math.trunc(counts.fullRects * coef));
    for (let i = 0; i < full; i++) fillRandomRect(holes, rng, size);
    drawRandomBrush(holes, rng, Math.trunc(counts.strokes * coef), strokeWidth);
    let holeCount = 0;
    const mask = new Float32Array(size * size);
    for (let i = 0; i < mask.length; i++) {
      holeCount += holes.data[i]!;
      mask[i] = 1 - holes.data[i]!;
    }
    const holeRatio = holeCount / mask.length;
    if (holeRatio > lo && holeRatio < hi) return { mask, size, holeRatio };
  }
  throw new PatchworkError('E_ARGUMENT', `matFreeFormMask: no mask with hole ratio in (${lo}, ${hi}) after ${maxAttempts} attempts at size ${size}`);
}

/** `n` masks as a float32 `[n, size, size, 1]` tensor (NHWC; 1 = known, 0 = hole) plus their hole ratios. Caller disposes. */
export function matFreeFormMaskBatch(n: number, size: number, rng: Rng, options: MatMaskOptions = {}): { masks: tf.Tensor4D; holeRatios: number[] } {
  if (!Number.isInteger(n) || n < 1) throw new PatchworkError('E_ARGUMENT', `matFreeFormMaskBatch: n must be a positive integer, got ${n}`);
  const data = new Float32Array(n * size * size);
  const holeRatios: number[] = [];
  for (let i = 0; i < n; i++) {
    const m = matFreeFormMask(size, rng, options);
    data.set(m.mask, i * size * size);
    holeRatios.push(m.holeRatio);
  }
  return { masks: tf.tensor4d(data, [n, size, size, 1], 'float32'), holeRatios };
}
