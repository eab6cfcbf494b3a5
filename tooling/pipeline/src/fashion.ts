import fs from 'node:fs';
import path from 'node:path';
import { BUNDLED_FASHION_MNIST_DIR, loadFashionMnist } from '@patchwork/datasets/node';
import type { LabelledImages } from '@patchwork/datasets';
import { writeDataCard } from './card.js';
import { tileGrid } from './grid.js';

const FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

/**
 * `prepare-data` for the Fashion-MNIST trainers: copy the subset bundled with `@patchwork/datasets`
 * into `dataDir/fashion-mnist` (the folder the run's `--data` names), read it back to check it,
 * and write the data card with the first training images. Returns the IDX folder.
 */
export function prepareFashionMnist(dataDir: string): string {
  const dir = path.join(dataDir, 'fashion-mnist');
  fs.mkdirSync(dir, { recursive: true });
  for (const f of FILES) fs.copyFileSync(path.join(BUNDLED_FASHION_MNIST_DIR, f), path.join(dir, f));
  const train = loadFashionMnist({ split: 'train', dir });
  const test = loadFashionMnist({ split: 'test', dir });
  const [, h, w, c] = train.shape;
  const tiles = Array.from({ length: Math.min(32, train.shape[0]) }, (_, i) => ({ width: w, height: h, channels: 1 as const, data: train.images.subarray(i * h * w, (i + 1) * h * w) }));
  writeDataCard(
    dataDir,
    {
      description: `Fashion-MNIST, the real subset bundled with @patchwork/datasets (the first ${train.shape[0].toLocaleString('en-US')} training and ${test.shape[0]} test images; MIT, © Zalando SE). Preview: the first training images.`,
      facts: [
        ['training images', `${train.shape[0].toLocaleString('en-US')} (${classBalance(train)})`],
        ['test images', `${test.shape[0].toLocaleString('en-US')} (${classBalance(test)})`],
        ['image', `${h}×${w}×${c}, uint8`],
        ['classes', train.classNames.join(', ')],
      ],
    },
    tileGrid(tiles, { cols: 8, scale: 2 }),
  );
  return dir;
}

/** `per class 180–222`: the smallest and largest class count. */
function classBalance(split: LabelledImages): string {
  const counts = new Array<number>(split.classNames.length).fill(0);
  for (const l of split.labels) counts[l]!++;
  return `per class ${Math.min(...counts)}–${Math.max(...counts)}`;
}
