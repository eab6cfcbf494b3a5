import fs from 'node:fs';
import path from 'node:path';
import { PatchworkError, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { matFreeFormMask, randomResizedCrop } from '@patchwork/datasets';
import { IMAGE_EXTENSIONS, readImage } from '@patchwork/datasets/node';
import { SKIMAGE_DATA_DIR } from './config.js';

/** The colour photographs among python3-skimage's sample data (the rest are grey, synthetic or tiny). */
const SKIMAGE_PHOTOS = ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg', 'motorcycle_left.png', 'motorcycle_right.png', 'grass.png', 'gravel.png', 'brick.png', 'color.png', 'hubble_deep_field.jpg'];

/** Source photographs as float `[H, W, 3]` tensors in [−1, 1]; `dispose()` frees them. */
export interface PhotoSet {
  files: string[];
  images: tf.Tensor3D[];
  dispose(): void;
}

/** Load the photos named by the `data` option (`skimage` or a folder). Errors say what to install or pass. */
export async function loadPhotos(data: string): Promise<PhotoSet> {
  let files: string[];
  if (data === 'skimage') {
    files = SKIMAGE_PHOTOS.map((f) => path.join(SKIMAGE_DATA_DIR, f)).filter((f) => fs.existsSync(f));
    if (files.length === 0) {
      throw new PatchworkError('E_FILE', `no sample photos in ${SKIMAGE_DATA_DIR}: install Debian's python3-skimage, or pass --data <folder of images>`);
    }
  } else {
    if (!fs.existsSync(data) || !fs.statSync(data).isDirectory()) throw new PatchworkError('E_FILE', `--data ${data} is not a folder of images`);
    files = listImages(data);
    if (files.length === 0) throw new PatchworkError('E_FILE', `--data ${data} holds no images (${IMAGE_EXTENSIONS.join(', ')})`);
  }
  const images: tf.Tensor3D[] = [];
  for (const file of files) {
    const raw = await readImage(file, { channels: 3 });
    images.push(tf.tidy(() => tf.sub(tf.div(tf.tensor3d(raw.data, [raw.height, raw.width, 3], 'float32'), 127.5), 1)));
  }
  return { files, images, dispose: () => tf.dispose(images) };
}

function listImages(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.includes(path.extname(e.name).toLowerCase() as (typeof IMAGE_EXTENSIONS)[number]))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** A training or validation batch: real crops and free-form masks (1 = known), NHWC. */
export interface InpaintBatch {
  images: tf.Tensor4D;
  masks: tf.Tensor4D;
}

/**
 * `n` random crops (area `cropScale` of a random photo, resized to `size`, random horizontal flip
 * as MAT's `--mirror`) with MAT free-form masks whose hole ratio lies in `holeRange`. Brush widths
 * are MAT's 12–48 px at 512 scaled to the crop size and doubled, so strokes stay several pixels
 * wide on small crops. Caller disposes.
 */
export function sampleBatch(photos: PhotoSet, n: number, size: number, rng: Rng, cropScale: readonly [number, number], holeRange: readonly [number, number]): InpaintBatch {
  const crops: tf.Tensor[] = [];
  const masks = new Float32Array(n * size * size);
  const scale = size / 512;
  const strokeWidth: [number, number] = [Math.max(2, Math.round(12 * scale * 2)), Math.max(4, Math.round(48 * scale * 2))];
  return tf.tidy(() => {
    for (let i = 0; i < n; i++) {
      const photo = photos.images[rng.int(photos.images.length)]!;
      let crop = randomResizedCrop(photo, rng, { size: [size, size], scale: cropScale, ratio: [1, 1] });
      if (rng.next() < 0.5) crop = tf.reverse(crop, 1);
      crops.push(tf.clipByValue(crop, -1, 1));
      masks.set(matFreeFormMask(size, rng, { holeRange, strokeWidth }).mask, i * size * size);
    }
    return { images: tf.stack(crops) as tf.Tensor4D, masks: tf.tensor4d(masks, [n, size, size, 1]) };
  });
}
