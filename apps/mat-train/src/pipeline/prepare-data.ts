import fs from 'node:fs';
import path from 'node:path';
import { FashionMnistMosaic } from '@patchwork/datasets';
import { loadFashionMnist } from '@patchwork/datasets/node';
import { tileGrid, writeDataCard } from '@patchwork/pipeline';
import { encodePng } from '@patchwork/train';

/** Options for {@link prepareCanvases}. */
export interface CanvasOptions {
  count: number;
  /** Canvas side in pixels; the trainer takes random crops of 2–25% of its area. */
  size: number;
  seed: number;
}

/**
 * `prepare-data` for MAT: no photographs ship with the repo, so write `count` RGB canvases of real
 * Fashion-MNIST items (the bundled training subset, 28 px cells on a textured background) as PNGs
 * into `imagesDir` — the folder the run's `--data` names — plus the data card in `dataDir`.
 * Returns the files written.
 */
export function prepareCanvases(dataDir: string, imagesDir: string, { count, size, seed }: CanvasOptions): string[] {
  const grid = Math.floor(size / 32);
  const mosaic = new FashionMnistMosaic(loadFashionMnist({ split: 'train' }), { length: count, size, grid, channels: 3, itemsPerImage: [Math.ceil((grid * grid) / 2), grid * grid], seed });
  fs.mkdirSync(imagesDir, { recursive: true });
  const images = Array.from({ length: count }, (_, i) => mosaic.get(i).image);
  const files = images.map((image, i) => {
    const file = path.join(imagesDir, `canvas-${String(i).padStart(3, '0')}.png`);
    fs.writeFileSync(file, encodePng(image));
    return file;
  });
  writeDataCard(
    dataDir,
    {
      description: `${count} canvases of real Fashion-MNIST items (bundled training subset) made for MAT, which needs larger images than 28 px to crop from; the trainer crops 2–25% of a canvas, resizes to 64 px and masks it. Preview: the canvases.`,
      facts: [
        ['images', `${count} PNG, ${size}×${size}×3 (grey items replicated to RGB)`],
        ['items per image', `${Math.ceil((grid * grid) / 2)}–${grid * grid} in a ${grid}×${grid} grid, random offsets, seed ${seed}`],
        ['folder', imagesDir],
      ],
    },
    tileGrid(images, { cols: 4 }),
  );
  return files;
}
