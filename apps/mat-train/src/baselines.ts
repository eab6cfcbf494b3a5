import { PatchworkError, ShapeError, tf } from '@patchwork/tensor-core';

/** Options of {@link diffusionFill}. */
export interface DiffusionFillOptions {
  /** Stop when no hole pixel changes by more than this in a sweep (image units). Default 1e-5. */
  tolerance?: number;
  /** Sweeps at most. Default 5000 (a 64×64 image converges in a few hundred). */
  maxSweeps?: number;
  /** Over-relaxation factor ω ∈ (0, 2). Default 1.9 (near-optimal for 64² grids). */
  omega?: number;
}

/**
 * Mean fill: every hole pixel of an image gets that image's mean colour over its known pixels.
 * `images` `[B, H, W, C]` float, `masks` `[B, H, W, 1]` with 1 = known, 0 = hole (nothing else);
 * every image needs a known pixel. Known pixels are copied exactly. Caller disposes.
 */
export function meanFill(images: tf.Tensor4D, masks: tf.Tensor4D): tf.Tensor4D {
  return perImage(images, masks, 'meanFill', (img, known, h, w, c) => {
    const mean = knownMean(img, known, c);
    for (let p = 0; p < h * w; p++) if (known[p] === 0) for (let k = 0; k < c; k++) img[p * c + k] = mean[k]!;
  });
}

/**
 * Nearest fill: every hole pixel copies the known pixel nearest to it (Euclidean distance; ties go
 * to the first in row-major order). Same inputs and guarantees as {@link meanFill}. Caller disposes.
 */
export function nearestFill(images: tf.Tensor4D, masks: tf.Tensor4D): tf.Tensor4D {
  return perImage(images, masks, 'nearestFill', (img, known, h, w, c) => {
    const sources: number[] = [];
    for (let p = 0; p < h * w; p++) if (known[p] === 1) sources.push(p);
    for (let p = 0; p < h * w; p++) {
      if (known[p] === 1) continue;
      const y = Math.floor(p / w);
      const x = p % w;
      let best = -1;
      let bestD = Infinity;
      for (const q of sources) {
        const dy = Math.floor(q / w) - y;
        const dx = (q % w) - x;
        const d = dy * dy + dx * dx;
        if (d < bestD) {
          bestD = d;
          best = q;
        }
      }
      for (let k = 0; k < c; k++) img[p * c + k] = img[best * c + k]!;
    }
  });
}

/**
 * Diffusion (harmonic) fill: the holes are solved for Laplace's equation with the known pixels as
 * fixed boundary values — each hole pixel ends equal to the mean of its 4 neighbours inside the
 * image (zero-flux at the image border) — by successive over-relaxation from the mean fill, sweeping
 * hole pixels in row-major order. Deterministic. Same inputs and guarantees as {@link meanFill}.
 * Caller disposes.
 */
export function diffusionFill(images: tf.Tensor4D, masks: tf.Tensor4D, { tolerance = 1e-5, maxSweeps = 5000, omega = 1.9 }: DiffusionFillOptions = {}): tf.Tensor4D {
  if (!(omega > 0 && omega < 2)) throw new PatchworkError('E_ARGUMENT', `diffusionFill: omega must be in (0, 2), got ${omega}`);
  if (!(tolerance > 0) || !(Number.isInteger(maxSweeps) && maxSweeps > 0)) {
    throw new PatchworkError('E_ARGUMENT', `diffusionFill: tolerance must be > 0 and maxSweeps a positive integer, got ${tolerance}, ${maxSweeps}`);
  }
  return perImage(images, masks, 'diffusionFill', (img, known, h, w, c) => {
    const mean = knownMean(img, known, c);
    const holes: number[] = [];
    for (let p = 0; p < h * w; p++) {
      if (known[p] === 1) continue;
      holes.push(p);
      for (let k = 0; k < c; k++) img[p * c + k] = mean[k]!;
    }
    for (let sweep = 0; sweep < maxSweeps; sweep++) {
      let change = 0;
      for (const p of holes) {
        const y = Math.floor(p / w);
        const x = p % w;
        const neighbours: number[] = [];
        if (y > 0) neighbours.push(p - w);
        if (y < h - 1) neighbours.push(p + w);
        if (x > 0) neighbours.push(p - 1);
        if (x < w - 1) neighbours.push(p + 1);
        for (let k = 0; k < c; k++) {
          let sum = 0;
          for (const q of neighbours) sum += img[q * c + k]!;
          const delta = omega * (sum / neighbours.length - img[p * c + k]!);
          img[p * c + k]! += delta;
          change = Math.max(change, Math.abs(delta));
        }
      }
      if (change <= tolerance) break;
    }
  });
}

/** Run `fill(pixels, known, h, w, c)` in place on a float64 copy of each image; known pixels are restored bit-exactly. */
function perImage(images: tf.Tensor4D, masks: tf.Tensor4D, name: string, fill: (img: Float64Array, known: Uint8Array, h: number, w: number, c: number) => void): tf.Tensor4D {
  if (images.rank !== 4 || masks.rank !== 4) throw new ShapeError(`${name}: expected images [B, H, W, C] and masks [B, H, W, 1], got [${images.shape.join(', ')}] and [${masks.shape.join(', ')}]`);
  const [b, h, w, c] = images.shape;
  if (masks.shape[0] !== b || masks.shape[1] !== h || masks.shape[2] !== w || masks.shape[3] !== 1) {
    throw new ShapeError(`${name}: masks must be [${b}, ${h}, ${w}, 1] for images [${images.shape.join(', ')}], got [${masks.shape.join(', ')}]`);
  }
  const src = images.dataSync();
  const m = masks.dataSync();
  const out = new Float32Array(src.length);
  for (let i = 0; i < b; i++) {
    const known = new Uint8Array(h * w);
    let count = 0;
    for (let p = 0; p < h * w; p++) {
      const v = m[i * h * w + p]!;
      if (v !== 0 && v !== 1) throw new PatchworkError('E_ARGUMENT', `${name}: masks must be 1 (known) or 0 (hole), got ${v} in image ${i}`);
      known[p] = v;
      count += v;
    }
    if (count === 0) throw new PatchworkError('E_ARGUMENT', `${name}: image ${i} has no known pixel to fill from`);
    const img = Float64Array.from(src.subarray(i * h * w * c, (i + 1) * h * w * c));
    for (let k = 0; k < img.length; k++) {
      if (!Number.isFinite(img[k])) throw new PatchworkError('E_NAN', `${name}: image ${i} holds a non-finite value`);
    }
    fill(img, known, h, w, c);
    const base = i * h * w * c;
    for (let p = 0; p < h * w; p++) {
      for (let k = 0; k < c; k++) out[base + p * c + k] = known[p] === 1 ? src[base + p * c + k]! : img[p * c + k]!;
    }
  }
  return tf.tensor4d(out, [b, h, w, c], 'float32');
}

function knownMean(img: Float64Array, known: Uint8Array, c: number): number[] {
  const sum = new Array<number>(c).fill(0);
  let n = 0;
  for (let p = 0; p < known.length; p++) {
    if (known[p] === 0) continue;
    n += 1;
    for (let k = 0; k < c; k++) sum[k]! += img[p * c + k]!;
  }
  return sum.map((s) => s / n);
}
