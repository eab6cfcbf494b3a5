import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { PatchworkError } from '@patchwork/tensor-core';
import { checkIndex } from '../dataset.js';
import { checkSameSize, reduceZeroLabel } from '../labels.js';
import type { Dataset, SegmentationExample } from '../types.js';
import { readImage } from './codec.js';
import { IMAGE_EXTENSIONS, listFiles, loadOrSkip } from './files.js';
import type { SkippedFile } from './files.js';
import { decodeLabelPng } from './png-labels.js';

/**
 * Folder layouts:
 * - `'ade20k'`: `images/{training,validation}/*.jpg` with `annotations/{…}/<stem>.png`
 *   (ADEChallengeData2016; split `'train'`/`'val'` are accepted as aliases).
 * - `'voc'`: `JPEGImages/<stem>.jpg` and `SegmentationClass/<stem>.png` for the stems listed in
 *   `ImageSets/Segmentation/<split>.txt` (PASCAL VOC 2012).
 */
export type SegmentationLayout = 'ade20k' | 'voc';

/** Options for {@link SegmentationFolderDataset}. */
export interface SegmentationFolderOptions {
  root: string;
  layout: SegmentationLayout;
  /** ADE20K: `training`/`validation` (or `train`/`val`); VOC: a file name in `ImageSets/Segmentation` (`train`, `val`, `trainval`). */
  split: string;
  /** mmseg's `reduce_zero_label` (0 → 255, others − 1). Default: true for ADE20K, false for VOC, as in mmseg's configs. */
  reduceZeroLabel?: boolean;
  onError?: 'throw' | 'skip';
}

/** An example of {@link SegmentationFolderDataset}. */
export interface SegmentationFolderExample extends SegmentationExample {
  imageFile: string;
  labelFile: string;
}

const ADE_SPLITS: Record<string, string> = { train: 'training', training: 'training', val: 'validation', validation: 'validation' };

function listPairs(root: string, layout: SegmentationLayout, split: string): [string, string][] {
  if (layout === 'ade20k') {
    const dir = ADE_SPLITS[split];
    if (dir === undefined) throw new PatchworkError('E_ARGUMENT', `ADE20K split must be one of ${Object.keys(ADE_SPLITS).join(', ')}, got '${split}'`);
    return listFiles(path.join(root, 'images', dir), IMAGE_EXTENSIONS).map((img) => [
      img,
      path.join(root, 'annotations', dir, `${path.basename(img, path.extname(img))}.png`),
    ]);
  }
  const list = path.join(root, 'ImageSets', 'Segmentation', `${split}.txt`);
  if (!fs.existsSync(list)) throw new PatchworkError('E_FILE', `${list}: VOC split list not found`);
  return fs
    .readFileSync(list, 'utf8')
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((stem) => [path.join(root, 'JPEGImages', `${stem}.jpg`), path.join(root, 'SegmentationClass', `${stem}.png`)]);
}

/**
 * Image + label-map pairs in the ADE20K or VOC layout, decoded lazily: RGB images via sharp,
 * label PNGs by index (palette indices for VOC), `reduceZeroLabel` applied, 255 = ignore.
 * Image and label sizes must agree.
 */
export class SegmentationFolderDataset implements Dataset<SegmentationFolderExample> {
  readonly pairs: readonly (readonly [string, string])[];
  readonly reduceZeroLabel: boolean;
  private readonly bad = new Map<number, SkippedFile>();
  private readonly onError: 'throw' | 'skip';

  constructor({ root, layout, split, reduceZeroLabel = layout === 'ade20k', onError = 'throw' }: SegmentationFolderOptions) {
    this.pairs = listPairs(root, layout, split);
    if (this.pairs.length === 0) throw new PatchworkError('E_FILE', `${root}: no ${layout} images for split '${split}'`);
    this.reduceZeroLabel = reduceZeroLabel;
    this.onError = onError;
  }

  get length(): number {
    return this.pairs.length;
  }

  /** Pairs skipped so far in `'skip'` mode, with the reason. */
  get skipped(): SkippedFile[] {
    return [...this.bad.values()];
  }

  get(index: number): Promise<SegmentationFolderExample> {
    checkIndex(index, this.length, 'SegmentationFolderDataset');
    return loadOrSkip(index, this.length, this.onError, this.bad, (i) => this.pairs[i]![0], (i) => this.load(i));
  }

  private async load(i: number): Promise<SegmentationFolderExample> {
    const [imageFile, labelFile] = this.pairs[i]!;
    let bytes: Uint8Array;
    try {
      bytes = await fsp.readFile(labelFile);
    } catch (err) {
      throw new PatchworkError('E_FILE', `${labelFile}: cannot read label map for ${imageFile} (${(err as Error).message})`, { cause: err });
    }
    const image = await readImage(imageFile, { channels: 3 });
    const label = decodeLabelPng(bytes, labelFile);
    checkSameSize(image, label, `${imageFile} / ${labelFile}`);
    if (this.reduceZeroLabel) label.data = reduceZeroLabel(label.data);
    return { image, label, imageFile, labelFile };
  }
}
