import { PatchworkError } from '@patchwork/tensor-core';
import { checkIndex } from '../dataset.js';
import { FASHION_MNIST_CLASSES } from '../fashion-mnist.js';
import type { LabelledImages } from '../fashion-mnist.js';
import { deriveRng } from '../seeding.js';
import type { Dataset, SegmentationExample } from '../types.js';

/** Label names of {@link FashionMnistMosaic}: 0 = background, then the ten Fashion-MNIST classes (label = class + 1). */
export const FASHION_MOSAIC_CLASSES = ['background', ...FASHION_MNIST_CLASSES] as const;

/** Options for {@link FashionMnistMosaic}. */
export interface FashionMosaicOptions {
  /** Number of mosaics. */
  length: number;
  /** Square canvas side; default 64. */
  size?: number;
  /** Cells per side; each cell holds at most one item and must be at least as large as an item. Default 2. */
  grid?: number;
  /** Inclusive range of items per mosaic; default [1, grid²]. */
  itemsPerImage?: readonly [number, number];
  /** Item pixels brighter than this are labelled as the item; default 16 (Fashion-MNIST backgrounds are 0 with faint noise). */
  threshold?: number;
  /** 1 = grey (default), 3 = grey replicated to RGB. */
  channels?: 1 | 3;
  seed?: number;
}

/** A mosaic with the source items it was built from. */
export interface FashionMosaicExample extends SegmentationExample {
  items: { sourceIndex: number; classIndex: number; box: [number, number, number, number] }[];
}

/**
 * Real-image segmentation set: each example pastes real Fashion-MNIST items into distinct
 * cells of a textured dark canvas, at random offsets. Labels: 0 = background, class + 1 where
 * the item's pixel exceeds `threshold`, so per-pixel targets follow the garment outline. Build
 * train and test mosaics from the matching Fashion-MNIST splits to keep them disjoint.
 * Example `i` depends only on (seed, i); browser-safe.
 */
export class FashionMnistMosaic implements Dataset<FashionMosaicExample> {
  readonly length: number;
  readonly classNames = FASHION_MOSAIC_CLASSES;
  private readonly opts: Required<Omit<FashionMosaicOptions, 'length'>>;

  constructor(
    private readonly source: LabelledImages,
    { length, size = 64, grid = 2, itemsPerImage, threshold = 16, channels = 1, seed = 0 }: FashionMosaicOptions,
  ) {
    const [, ih, iw, ic] = source.shape;
    if (ic !== 1 || source.shape[0] < 1) throw new PatchworkError('E_ARGUMENT', `FashionMnistMosaic: need a non-empty grey source, got [${source.shape.join(', ')}]`);
    if (!Number.isInteger(length) || length < 1) throw new PatchworkError('E_ARGUMENT', `FashionMnistMosaic: length must be a positive integer, got ${length}`);
    if (!Number.isInteger(grid) || grid < 1 || Math.floor(size / grid) < Math.max(ih, iw)) {
      throw new PatchworkError('E_ARGUMENT', `FashionMnistMosaic: a ${grid}×${grid} grid on a ${size}px canvas leaves cells smaller than the ${ih}×${iw} items`);
    }
    const range = itemsPerImage ?? [1, grid * grid];
    if (!Number.isInteger(range[0]) || !Number.isInteger(range[1]) || range[0] < 0 || range[1] < range[0] || range[1] > grid * grid) {
      throw new PatchworkError('E_ARGUMENT', `FashionMnistMosaic: itemsPerImage must be [min, max] within 0..${grid * grid}, got [${range.join(', ')}]`);
    }
    this.length = length;
    this.opts = { size, grid, itemsPerImage: range, threshold, channels, seed };
  }

  get(index: number): FashionMosaicExample {
    checkIndex(index, this.length, 'FashionMnistMosaic');
    const { size, grid, itemsPerImage, threshold, channels, seed } = this.opts;
    const [n, ih, iw] = this.source.shape;
    const rng = deriveRng(seed, index);
    const grey = new Uint8Array(size * size);
    const label = new Uint8Array(size * size);
    // Dark, low-contrast noisy background so items stay the brightest thing on the canvas.
    const level = rng.uniformScalar(0, 50);
    for (let p = 0; p < grey.length; p++) grey[p] = Math.min(255, Math.max(0, Math.round(level + 10 * rng.nextNormal())));
    const cell = Math.floor(size / grid);
    const count = itemsPerImage[0] + rng.int(itemsPerImage[1] - itemsPerImage[0] + 1);
    const cells = rng.permutation(grid * grid).subarray(0, count);
    const items: FashionMosaicExample['items'] = [];
    for (const c of cells) {
      const sourceIndex = rng.int(n);
      const classIndex = this.source.labels[sourceIndex]!;
      const top = Math.floor(c / grid) * cell + rng.int(cell - ih + 1);
      const left = (c % grid) * cell + rng.int(cell - iw + 1);
      const pixels = this.source.images.subarray(sourceIndex * ih * iw, (sourceIndex + 1) * ih * iw);
      for (let y = 0; y < ih; y++) {
        for (let x = 0; x < iw; x++) {
          const v = pixels[y * iw + x]!;
          const p = (top + y) * size + left + x;
          grey[p] = Math.max(grey[p]!, v);
          if (v > threshold) label[p] = classIndex + 1;
        }
      }
      items.push({ sourceIndex, classIndex, box: [left, top, left + iw, top + ih] });
    }
    const data = channels === 1 ? grey : Uint8Array.from({ length: grey.length * 3 }, (_, i) => grey[Math.floor(i / 3)]!);
    return { image: { data, height: size, width: size, channels }, label: { data: label, height: size, width: size }, items };
  }
}
