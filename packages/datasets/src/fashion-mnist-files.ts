import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { FormatError } from '@patchwork/tensor-core';
import { fashionMnistFromIdx } from './fashion-mnist.js';
import type { LabelledImages } from './fashion-mnist.js';

/** Where Debian's `dataset-fashion-mnist` package installs the full 70k images. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The 2,000-train / 500-test subset shipped inside this package (MIT, © Zalando SE; see LICENSE-DATA.md). */
export const BUNDLED_FASHION_MNIST_DIR = fileURLToPath(new URL('../data/fashion-mnist', import.meta.url));

/** Options for {@link loadFashionMnist}. */
export interface FashionMnistOptions {
  split: 'train' | 'test';
  /**
   * Folder with the four `*-ubyte.gz` (or uncompressed) files, or a named source: `'bundled'` (the
   * subset inside this package, the default) or `'debian'` (the full set of Debian's package).
   */
  dir?: string;
  /** Keep only the first `limit` images. */
  limit?: number;
}

/** Load a Fashion-MNIST split from IDX files (gzip or raw). Errors name the file at fault. */
export function loadFashionMnist({ split, dir, limit }: FashionMnistOptions): LabelledImages {
  const root = dir === undefined || dir === 'bundled' ? BUNDLED_FASHION_MNIST_DIR : dir === 'debian' ? DEBIAN_FASHION_MNIST_DIR : dir;
  const prefix = split === 'train' ? 'train' : 't10k';
  const images = readMaybeGz(root, `${prefix}-images-idx3-ubyte`);
  const labels = readMaybeGz(root, `${prefix}-labels-idx1-ubyte`);
  const data = fashionMnistFromIdx(images.bytes, labels.bytes, images.file);
  if (limit === undefined || limit >= data.shape[0]) return data;
  const [, h, w, c] = data.shape;
  return { ...data, shape: [limit, h, w, c], images: data.images.subarray(0, limit * h * w * c), labels: data.labels.subarray(0, limit) };
}

function readMaybeGz(dir: string, base: string): { file: string; bytes: Uint8Array } {
  for (const file of [path.join(dir, `${base}.gz`), path.join(dir, base)]) {
    if (!fs.existsSync(file)) continue;
    const raw = fs.readFileSync(file);
    if (!file.endsWith('.gz')) return { file, bytes: raw };
    try {
      return { file, bytes: zlib.gunzipSync(raw) };
    } catch (err) {
      throw new FormatError(`${file}: corrupt gzip data (${(err as Error).message})`, { cause: err });
    }
  }
  throw new FormatError(`Fashion-MNIST: neither ${base}.gz nor ${base} found in ${dir}`);
}
