import fs from 'node:fs';
import path from 'node:path';
import { PatchworkError, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { matFreeFormMask, randomResizedCrop } from '@patchwork/datasets';
import { IMAGE_EXTENSIONS, readImage } from '@patchwork/datasets/node';
import { SKIMAGE_DATA_DIR } from './config.js';

/** The colour photographs among python3-skimage's sample data (the rest are grey, synthetic or tiny). */
const SKIMAGE_PHOTOS = ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg', 'motorcycle_left.png', 'motorcycle_right.png', 'grass.png', 'gravel.png', 'brick.png', 'color.png', 'hubble_deep_field.jpg'];

/** Where Debian's lomiri-wallpapers (16.04 + 20.04) installs its wallpapers. */
export const LOMIRI_DIR = '/usr/share/backgrounds';

/**
 * The photographs of Debian's `lomiri-wallpapers`, split once and for all: `lomiri` trains,
 * `lomiri-test` is never trained on (the held-out benchmark photos). The drawn wallpapers
 * (Fossa, Infinite-Sea, Painting-Colors, umang, the two PNGs) are left out. Licences in
 * `/usr/share/doc/lomiri-wallpapers-16.04/copyright`: the held-out ones are CC-BY-4.0 or CC0.
 */
const LOMIRI_TRAIN = ['Bridge_by_Sander_Klootwijk.jpg', 'Dragonfly_by_Bolly.jpg', 'Kleiber_by_Lukas_Baubkus.jpg', 'Picture_1A_by_freespace.jpg', 'aitzgorri_by_Aitzol_Berasategi.jpg', 'analogpattern_by_Peter_Nerlich.jpg', 'free_by_Peter_Nerlich.jpg', 'greentock_by_Peter_Nerlich.jpg', 'sunset_by_Aitzol_Berasategi.jpg'];
const LOMIRI_TEST = ['life_by_Aitzol_Berasategi.jpg', 'picosdeeuropa_by_Aitzol_Berasategi.jpg', 'Picture_0B_by_freespace.jpg', 'friends_by_Aitzol_Berasategi.jpg', 'seeding_by_Clements_Engelhardt.jpg', 'Wine_by_Jakkub_Mede.jpg'];

/** Named photo sets of Debian packages: folder, files, and the package that installs them. */
export const PHOTO_SETS: Record<string, { dir: string; files: readonly string[]; pkg: string; partial: boolean }> = {
  // Some skimage releases drop a few sample images; whatever is there is used.
  skimage: { dir: SKIMAGE_DATA_DIR, files: SKIMAGE_PHOTOS, pkg: 'python3-skimage', partial: true },
  lomiri: { dir: LOMIRI_DIR, files: LOMIRI_TRAIN, pkg: 'lomiri-wallpapers', partial: false },
  'lomiri-test': { dir: LOMIRI_DIR, files: LOMIRI_TEST, pkg: 'lomiri-wallpapers', partial: false },
};

/** Source photographs as float `[H, W, 3]` tensors in [−1, 1]; `dispose()` frees them. */
export interface PhotoSet {
  files: string[];
  images: tf.Tensor3D[];
  dispose(): void;
}

/**
 * The image files a `data` option names: a comma-separated list of {@link PHOTO_SETS} names
 * (`skimage`, `lomiri`, `lomiri-test`) and folders (searched recursively). Errors say what to
 * install or pass.
 */
export function resolvePhotoFiles(data: string): string[] {
  const files: string[] = [];
  for (const source of data.split(',').map((s) => s.trim())) {
    const set = PHOTO_SETS[source];
    if (set !== undefined) {
      const paths = set.files.map((f) => path.join(set.dir, f));
      const present = paths.filter((f) => fs.existsSync(f));
      if (present.length === 0 || (!set.partial && present.length < paths.length)) {
        const missing = paths.filter((f) => !present.includes(f));
        throw new PatchworkError('E_FILE', `photo set '${source}': ${missing.length} of ${paths.length} photos missing (e.g. ${missing[0]}): install Debian's ${set.pkg}, or pass --data <folder of images>`);
      }
      files.push(...present);
    } else {
      if (!fs.existsSync(source) || !fs.statSync(source).isDirectory()) {
        throw new PatchworkError('E_FILE', `--data ${source} is neither a photo set (${Object.keys(PHOTO_SETS).join(', ')}) nor a folder of images`);
      }
      const found = listImages(source);
      if (found.length === 0) throw new PatchworkError('E_FILE', `--data ${source} holds no images (${IMAGE_EXTENSIONS.join(', ')})`);
      files.push(...found);
    }
  }
  return files;
}

/**
 * Load the photos a `data` option names ({@link resolvePhotoFiles}). Photos whose longer side
 * exceeds `maxSide` are shrunk to it (2×2 box averaging while more than twice too large, then
 * bilinear), so multi-megapixel wallpapers become crop sources like the ~512 px skimage photos.
 */
export async function loadPhotos(data: string, maxSide = 512): Promise<PhotoSet> {
  const files = resolvePhotoFiles(data);
  const images: tf.Tensor3D[] = [];
  try {
    for (const file of files) {
      const raw = await readImage(file, { channels: 3 });
      images.push(tf.tidy(() => shrinkToFit(tf.sub(tf.div(tf.tensor3d(raw.data, [raw.height, raw.width, 3], 'float32'), 127.5), 1) as tf.Tensor3D, maxSide)));
    }
  } catch (err) {
    tf.dispose(images);
    throw err;
  }
  return { files, images, dispose: () => tf.dispose(images) };
}

function shrinkToFit(image: tf.Tensor3D, maxSide: number): tf.Tensor3D {
  let x = image;
  while (Math.max(x.shape[0], x.shape[1]) > 2 * maxSide) x = tf.avgPool(x, 2, 2, 'valid');
  const [h, w] = x.shape;
  const scale = maxSide / Math.max(h, w);
  if (scale >= 1) return x;
  return tf.image.resizeBilinear(x, [Math.max(1, Math.round(h * scale)), Math.max(1, Math.round(w * scale))], true);
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
  const { strokeWidth } = maskOptions(size);
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

/**
 * The benchmark's held-out crops and masks: crop `i` comes from photo `i mod photos` (so every
 * photo counts equally), unflipped, with a MAT free-form mask in `holeRange`; all drawn from `rng`
 * (pass a seed no training stream uses). Also returns each mask's hole ratio. Caller disposes.
 */
export function heldOutBatch(photos: PhotoSet, n: number, size: number, rng: Rng, cropScale: readonly [number, number], holeRange: readonly [number, number]): InpaintBatch & { holeRatios: number[] } {
  const masks = new Float32Array(n * size * size);
  const holeRatios: number[] = [];
  const { strokeWidth } = maskOptions(size);
  return tf.tidy(() => {
    const crops = Array.from({ length: n }, (_, i) => {
      const crop = randomResizedCrop(photos.images[i % photos.images.length]!, rng, { size: [size, size], scale: cropScale, ratio: [1, 1] });
      const m = matFreeFormMask(size, rng, { holeRange, strokeWidth });
      masks.set(m.mask, i * size * size);
      holeRatios.push(m.holeRatio);
      return tf.clipByValue(crop, -1, 1);
    });
    return { images: tf.stack(crops) as tf.Tensor4D, masks: tf.tensor4d(masks, [n, size, size, 1]), holeRatios };
  });
}

/** MAT's 12–48 px brush widths at 512, scaled to `size` and doubled (at least 2–4 px). */
function maskOptions(size: number): { strokeWidth: [number, number] } {
  const scale = size / 512;
  return { strokeWidth: [Math.max(2, Math.round(12 * scale * 2)), Math.max(4, Math.round(48 * scale * 2))] };
}
