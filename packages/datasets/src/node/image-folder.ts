import path from 'node:path';
import { PatchworkError } from '@patchwork/tensor-core';
import { checkIndex } from '../dataset.js';
import type { ClassificationExample, Dataset } from '../types.js';
import { readImage } from './codec.js';
import { IMAGE_EXTENSIONS, listFiles, loadOrSkip, sortedEntries } from './files.js';
import type { SkippedFile } from './files.js';

/** Options for {@link ImageFolderDataset}. */
export interface ImageFolderOptions {
  /** Folder with one sub-folder per class (torchvision `ImageFolder` layout). */
  root: string;
  /** 3 = RGB (default) or 1 = grey. */
  channels?: 1 | 3;
  /** `'throw'` (default): a bad file fails `get`. `'skip'`: it is reported in `skipped` and the next file is used. */
  onError?: 'throw' | 'skip';
  /** File extensions to include; default {@link IMAGE_EXTENSIONS}. */
  extensions?: readonly string[];
}

/** An example of {@link ImageFolderDataset}, with the file it came from. */
export interface ImageFolderExample extends ClassificationExample {
  file: string;
}

/**
 * Images in `root/<class>/**` with the class index of their sub-folder, classes sorted by name
 * as torchvision does. Files are listed when constructed and decoded lazily by `get`.
 */
export class ImageFolderDataset implements Dataset<ImageFolderExample> {
  readonly classNames: readonly string[];
  readonly files: readonly string[];
  /** Class index per file. */
  readonly labels: Int32Array;
  private readonly bad = new Map<number, SkippedFile>();
  private readonly channels: 1 | 3;
  private readonly onError: 'throw' | 'skip';

  constructor({ root, channels = 3, onError = 'throw', extensions = IMAGE_EXTENSIONS }: ImageFolderOptions) {
    this.classNames = sortedEntries(root)
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name);
    const files: string[] = [];
    const labels: number[] = [];
    this.classNames.forEach((name, c) => {
      for (const f of listFiles(path.join(root, name), extensions)) {
        files.push(f);
        labels.push(c);
      }
    });
    if (files.length === 0) throw new PatchworkError('E_FILE', `${root}: no images in class sub-folders (extensions ${extensions.join(', ')})`);
    this.files = files;
    this.labels = Int32Array.from(labels);
    this.channels = channels;
    this.onError = onError;
  }

  get length(): number {
    return this.files.length;
  }

  /** Files skipped so far in `'skip'` mode, with the reason. */
  get skipped(): SkippedFile[] {
    return [...this.bad.values()];
  }

  get(index: number): Promise<ImageFolderExample> {
    checkIndex(index, this.length, 'ImageFolderDataset');
    return loadOrSkip(index, this.length, this.onError, this.bad, (i) => this.files[i]!, async (i) => {
      const file = this.files[i]!;
      return { image: await readImage(file, { channels: this.channels }), label: this.labels[i]!, file };
    });
  }
}
