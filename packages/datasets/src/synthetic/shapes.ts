import { PatchworkError } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { checkIndex } from '../dataset.js';
import { deriveRng } from '../seeding.js';
import type { Dataset, LabelMap, RawImage } from '../types.js';

/** Class names of {@link ShapesDataset}; segmentation labels are index + 1 (0 = background). */
export const SHAPE_CLASSES = ['circle', 'square', 'triangle', 'cross', 'ring'] as const;

/** One drawn shape: its class and its pixel box `[x0, y0, x1, y1)` (before any occlusion). */
export interface ShapeObject {
  classIndex: number;
  box: [number, number, number, number];
}

/** An example of {@link ShapesDataset}. */
export interface ShapesExample {
  /** RGB image. */
  image: RawImage;
  /** Class of the first shape drawn (the bottom one): the classification target. */
  label: number;
  objects: ShapeObject[];
  /** Per-pixel labels: 0 = background, `classIndex + 1` where a shape is visible. */
  segmentation: LabelMap;
}

/** Options for {@link ShapesDataset}. */
export interface ShapesOptions {
  /** Number of examples. */
  length: number;
  /** Square image side in pixels; default 32. */
  size?: number;
  /** Default 0. */
  seed?: number;
  /** Inclusive range of shapes per image; default [1, 1]. Later shapes occlude earlier ones. */
  objectsPerImage?: readonly [number, number];
}

type Inside = (u: number, v: number) => boolean;

/** Membership tests in the shape's unit frame (radius 1, rotated), indexed like SHAPE_CLASSES. */
const INSIDE: readonly Inside[] = [
  (u, v) => u * u + v * v <= 1,
  (u, v) => Math.max(Math.abs(u), Math.abs(v)) <= 0.75,
  (u, v) => v >= -0.5 && v <= 1 - Math.sqrt(3) * Math.abs(u),
  (u, v) => (Math.abs(u) <= 0.3 && Math.abs(v) <= 0.9) || (Math.abs(v) <= 0.3 && Math.abs(u) <= 0.9),
  (u, v) => {
    const d = u * u + v * v;
    return d <= 1 && d >= 0.36;
  },
];

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/** Background textures: a linear gradient, sine stripes, a checkerboard, or plain noise. */
type Texture = (x: number, y: number) => number;

function randomTexture(size: number, rng: Rng): Texture {
  const kind = rng.int(4);
  const freq = rng.uniformScalar(0.2, 0.8);
  const angle = rng.uniformScalar(0, Math.PI);
  const along = (x: number, y: number): number => x * Math.cos(angle) + y * Math.sin(angle);
  if (kind === 0) return (x, y) => (along(x, y) / size - 0.5) * 2;
  if (kind === 1) return (x, y) => Math.sin(along(x, y) * freq);
  if (kind === 2) return (x, y) => ((Math.floor(x * freq * 0.5) + Math.floor(y * freq * 0.5)) % 2 === 0 ? 1 : -1);
  return () => 0;
}

/** A muted textured background with per-pixel noise; returns its mean level. */
function paintBackground(rgb: Float32Array, size: number, rng: Rng): number {
  const base = [rng.uniformScalar(60, 190), rng.uniformScalar(60, 190), rng.uniformScalar(60, 190)];
  const texture = randomTexture(size, rng);
  const amp = rng.uniformScalar(10, 30);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const t = amp * texture(x, y);
      for (let c = 0; c < 3; c++) rgb[(y * size + x) * 3 + c] = base[c]! + t + 12 * rng.nextNormal();
    }
  }
  return (base[0]! + base[1]! + base[2]!) / 3;
}

/** A random colour shifted until its mean is at least 70 levels away from the background's. */
function shapeColour(rng: Rng, backgroundLuma: number): number[] {
  const colour = [rng.uniformScalar(0, 255), rng.uniformScalar(0, 255), rng.uniformScalar(0, 255)];
  const direction = backgroundLuma < 128 ? 1 : -1;
  const gap = direction * ((colour[0]! + colour[1]! + colour[2]!) / 3 - backgroundLuma);
  const shift = direction * Math.max(0, 70 - gap);
  return colour.map((v) => Math.min(255, Math.max(0, v + shift)));
}

/** Draw one example: everything comes from `rng`. */
export function drawShapes(size: number, rng: Rng, objectsPerImage: readonly [number, number] = [1, 1]): ShapesExample {
  const rgb = new Float32Array(size * size * 3);
  const seg = new Uint8Array(size * size);
  const luma = paintBackground(rgb, size, rng);
  const count = objectsPerImage[0] + rng.int(objectsPerImage[1] - objectsPerImage[0] + 1);
  const objects: ShapeObject[] = [];
  for (let k = 0; k < count; k++) {
    const classIndex = rng.int(SHAPE_CLASSES.length);
    const radius = size * rng.uniformScalar(0.18, 0.34);
    const cx = rng.uniformScalar(radius, size - radius);
    const cy = rng.uniformScalar(radius, size - radius);
    const theta = rng.uniformScalar(0, 2 * Math.PI);
    const colour = shapeColour(rng, luma);
    const [cos, sin] = [Math.cos(theta), Math.sin(theta)];
    const inside = INSIDE[classIndex]!;
    const box: [number, number, number, number] = [size, size, 0, 0];
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        // Pixel centre into the shape's frame; v points up so triangles stand upright at θ = 0.
        const dx = (x + 0.5 - cx) / radius;
        const dy = (cy - y - 0.5) / radius;
        if (!inside(cos * dx + sin * dy, -sin * dx + cos * dy)) continue;
        const p = y * size + x;
        seg[p] = classIndex + 1;
        for (let c = 0; c < 3; c++) rgb[p * 3 + c] = colour[c]! + 8 * rng.nextNormal();
        box[0] = Math.min(box[0], x);
        box[1] = Math.min(box[1], y);
        box[2] = Math.max(box[2], x + 1);
        box[3] = Math.max(box[3], y + 1);
      }
    }
    objects.push({ classIndex, box });
  }
  const data = new Uint8Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) data[i] = clampByte(rgb[i]!);
  return {
    image: { data, height: size, width: size, channels: 3 },
    label: objects[0]!.classIndex,
    objects,
    segmentation: { data: seg, height: size, width: size },
  };
}

/**
 * Procedural shapes (circle, square, triangle, cross, ring) on textured, noisy backgrounds,
 * with class, box and per-pixel labels. Example `i` depends only on (seed, i), so the set is
 * random-access, reproducible and needs no files (browser-safe). For tests and demos.
 */
export class ShapesDataset implements Dataset<ShapesExample> {
  readonly length: number;
  readonly size: number;
  readonly seed: number;
  readonly objectsPerImage: readonly [number, number];
  readonly classNames = SHAPE_CLASSES;

  constructor({ length, size = 32, seed = 0, objectsPerImage = [1, 1] }: ShapesOptions) {
    if (!Number.isInteger(length) || length < 1) throw new PatchworkError('E_ARGUMENT', `ShapesDataset: length must be a positive integer, got ${length}`);
    if (!Number.isInteger(size) || size < 8) throw new PatchworkError('E_ARGUMENT', `ShapesDataset: size must be an integer ≥ 8, got ${size}`);
    const [lo, hi] = objectsPerImage;
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi < lo) {
      throw new PatchworkError('E_ARGUMENT', `ShapesDataset: objectsPerImage must be [min, max] with 1 ≤ min ≤ max, got [${lo}, ${hi}]`);
    }
    this.length = length;
    this.size = size;
    this.seed = seed;
    this.objectsPerImage = objectsPerImage;
  }

  get(index: number): ShapesExample {
    checkIndex(index, this.length, 'ShapesDataset');
    return drawShapes(this.size, deriveRng(this.seed, index), this.objectsPerImage);
  }
}
