import fs from 'node:fs';
import path from 'node:path';
import { resize } from '@patchwork/datasets';
import { loadFashionMnist, readImage } from '@patchwork/datasets/node';
import { PatchworkError, Rng, tf } from '@patchwork/tensor-core';

/** Training batches and a fixed evaluation set, all `[N, size, size, 3]` in [−1, 1]. */
export interface ImageSource {
  readonly name: string;
  readonly size: number;
  /** Batch `step` (a function of seed and step only, so a resumed run sees the same batches). Caller disposes. */
  trainBatch(step: number, batchSize: number): tf.Tensor4D;
  /** The evaluation images (owned by the source). */
  readonly evalImages: tf.Tensor4D;
  dispose(): void;
}

/**
 * Photos from python3-skimage whose docstrings state public domain or CC0: NASA's astronaut and
 * Hubble deep field, SpaceX's rocket, Chelsea the cat (CC0), the retina (CC0) for training, and the
 * coffee cup (CC0) held out for evaluation.
 */
export const TRAIN_PHOTOS = ['astronaut.png', 'chelsea.png', 'rocket.jpg', 'hubble_deep_field.jpg', 'retina.jpg'];
export const EVAL_PHOTOS = ['coffee.png'];

/** Downscale factors of the photo pyramids (2×2 box filter per octave, so no aliasing). */
const OCTAVES = [2, 4, 8];

async function pyramid(file: string, size: number): Promise<tf.Tensor4D[]> {
  const raw = await readImage(file, { channels: 3 });
  let level = tf.tidy(() => tf.sub(tf.div(tf.tensor4d(raw.data, [1, raw.height, raw.width, 3], 'float32'), 127.5), 1) as tf.Tensor4D);
  const out: tf.Tensor4D[] = [];
  for (let f = 2; f <= Math.max(...OCTAVES); f *= 2) {
    const next = tf.avgPool(level, 2, 2, 'valid');
    level.dispose();
    level = next;
    if (OCTAVES.includes(f) && level.shape[1] >= size && level.shape[2] >= size) out.push(tf.clone(level));
  }
  level.dispose();
  return out;
}

/** `count` random `size²` crops from the pyramids (each crop: a uniform level, then a uniform position). */
function crops(levels: readonly tf.Tensor4D[], size: number, count: number, rng: Rng): tf.Tensor4D {
  return tf.tidy(() => {
    const picks = Array.from({ length: count }, () => {
      const level = levels[rng.int(levels.length)]!;
      const [, h, w] = level.shape;
      return tf.slice(level, [0, rng.int(h - size + 1), rng.int(w - size + 1), 0], [1, size, size, 3]);
    });
    return tf.concat(picks) as tf.Tensor4D;
  });
}

/** Random crops of the skimage photos (train) and fixed crops of the held-out photo (evaluation). */
export async function loadPhotos(dir: string, size: number, evalCount: number, seed: number): Promise<ImageSource> {
  const missing = [...TRAIN_PHOTOS, ...EVAL_PHOTOS].filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length > 0) {
    throw new PatchworkError('E_FILE', `photos not found in ${dir}: ${missing.join(', ')} (install Debian's python3-skimage, set --photo-dir, or use --data fashion)`);
  }
  const train = (await Promise.all(TRAIN_PHOTOS.map((f) => pyramid(path.join(dir, f), size)))).flat();
  const held = (await Promise.all(EVAL_PHOTOS.map((f) => pyramid(path.join(dir, f), size)))).flat();
  const evalImages = crops(held, size, evalCount, new Rng(seed + 7_777));
  tf.dispose(held);
  return {
    name: `skimage photos (${TRAIN_PHOTOS.length} train, ${EVAL_PHOTOS.join(', ')} held out), ${size}×${size} crops at 1/${OCTAVES.join(', 1/')} scale`,
    size,
    trainBatch: (step, batchSize) => crops(train, size, batchSize, new Rng(seed * 1_000_003 + step)),
    evalImages,
    dispose: () => tf.dispose([...train, evalImages]),
  };
}

/** Fashion-MNIST (the subset bundled with @patchwork/datasets), bilinearly upsampled to `size` and replicated to RGB. */
export function loadFashion(size: number, evalCount: number, seed: number): ImageSource {
  const toTensor = (split: 'train' | 'test', limit?: number): tf.Tensor4D => {
    const raw = loadFashionMnist({ split, limit });
    return tf.tidy(() => {
      const grey = tf.sub(tf.div(tf.tensor4d(raw.images, raw.shape, 'float32'), 127.5), 1);
      return tf.tile(resize(grey, [size, size], 'bilinear'), [1, 1, 1, 3]) as tf.Tensor4D;
    });
  };
  const train = toTensor('train');
  const evalImages = toTensor('test', evalCount);
  const n = train.shape[0];
  return {
    name: `Fashion-MNIST (bundled subset: ${n} train, ${evalImages.shape[0]} test) upsampled to ${size}×${size}`,
    size,
    trainBatch: (step, batchSize) =>
      tf.tidy(() => {
        const rng = new Rng(seed * 1_000_003 + step);
        return tf.gather(train, tf.tensor1d(Array.from({ length: batchSize }, () => rng.int(n)), 'int32')) as tf.Tensor4D;
      }),
    evalImages,
    dispose: () => tf.dispose([train, evalImages]),
  };
}
