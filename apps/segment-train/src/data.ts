import { FASHION_MOSAIC_CLASSES, FashionMnistMosaic, SHAPE_CLASSES, ShapesDataset, TransformPipeline, batchIndices, collateSegmentation, deriveRng } from '@patchwork/datasets';
import type { SegmentationBatch, SegmentationExample, TransformPipelineConfig } from '@patchwork/datasets';
import { SegmentationFolderDataset, loadFashionMnist } from '@patchwork/datasets/node';
import { PatchworkError } from '@patchwork/tensor-core';

/** A split held in memory, so batches can be assembled synchronously inside the training loop. */
export interface SegmentationData {
  train: SegmentationExample[];
  test: SegmentationExample[];
  /** Label names, index = class id. */
  classNames: readonly string[];
  /** True when the examples have different sizes (folders): evaluation then runs image by image and resizes back. */
  variableSize: boolean;
}

/** What {@link loadData} needs from a config. */
export interface DataSpec {
  data: string;
  fashionSource?: string | undefined;
  layout: 'ade20k' | 'voc';
  imageSize: number;
  trainSize: number;
  testSize: number;
  seed: number;
}

// Folder layouts' class counts (ADE20K after reduce_zero_label; PASCAL VOC with background).
const FOLDER_CLASSES: Record<DataSpec['layout'], number> = { ade20k: 150, voc: 21 };

/**
 * Load the train and held-out splits: procedural shapes (different seeds), Fashion-MNIST mosaics
 * (built from the train and test splits of `fashionSource`, so no item appears in both), or an
 * ADE20K/VOC folder (`training`/`validation` or `train`/`val`, decoded up front).
 */
export async function loadData(spec: DataSpec): Promise<SegmentationData> {
  const { data, imageSize, trainSize, testSize, seed } = spec;
  if (data === 'shapes') {
    const make = (length: number, salt: number): SegmentationExample[] => {
      const ds = new ShapesDataset({ length, size: imageSize, seed: seed * 2 + salt, objectsPerImage: [1, 3] });
      return Array.from({ length }, (_, i) => {
        const e = ds.get(i);
        return { image: e.image, label: e.segmentation };
      });
    };
    return { train: make(trainSize, 1), test: make(testSize, 2), classNames: ['background', ...SHAPE_CLASSES], variableSize: false };
  }
  if (data === 'fashion-mosaic') {
    if (imageSize < 56) throw new PatchworkError('E_ARGUMENT', `fashion-mosaic needs imageSize ≥ 56 (a 2×2 grid of 28 px items), got ${imageSize}`);
    const make = (split: 'train' | 'test', length: number): SegmentationExample[] => {
      const ds = new FashionMnistMosaic(loadFashionMnist({ split, dir: spec.fashionSource }), { length, size: imageSize, grid: 2, channels: 3, seed: seed * 2 + (split === 'train' ? 1 : 2) });
      return Array.from({ length }, (_, i) => {
        const { image, label } = ds.get(i);
        return { image, label };
      });
    };
    return { train: make('train', trainSize), test: make('test', testSize), classNames: FASHION_MOSAIC_CLASSES, variableSize: false };
  }
  const split = (name: 'train' | 'val', limit: number): Promise<SegmentationExample[]> => {
    const ds = new SegmentationFolderDataset({ root: data, layout: spec.layout, split: name });
    return Promise.all(Array.from({ length: Math.min(limit, ds.length) }, (_, i) => ds.get(i)));
  };
  const [train, test] = await Promise.all([split('train', trainSize), split('val', testSize)]);
  const numClasses = FOLDER_CLASSES[spec.layout];
  return { train, test, classNames: Array.from({ length: numClasses }, (_, i) => `class ${i}`), variableSize: true };
}

/**
 * The training transforms: joint random resized crop (scale 0.75–1) + flip (labels nearest), mild
 * colour jitter, ImageNet normalisation. Milder than mmseg's ADE20K pipeline: the held-out images
 * come from the same generator, and a few hundred steps cannot afford harder examples.
 */
export function trainPipeline(imageSize: number, augment: boolean): TransformPipeline {
  const size: [number, number] = [imageSize, imageSize];
  const steps: TransformPipelineConfig = augment
    ? [
        { type: 'randomResizedCrop', size, scale: [0.75, 1], ratio: [3 / 4, 4 / 3] },
        { type: 'horizontalFlip', p: 0.5 },
        { type: 'colorJitter', brightness: 0.1, contrast: 0.1, saturation: 0.1 },
        { type: 'normalize' },
      ]
    : [{ type: 'resize', size }, { type: 'normalize' }];
  return new TransformPipeline(steps);
}

/**
 * MAE pre-training transforms (its `RandomResizedCrop(scale=(0.2, 1))` + flip, then
 * normalisation). The labels ride along through the joint pipeline and are ignored.
 */
export function maePipeline(imageSize: number, augment: boolean): TransformPipeline {
  const size: [number, number] = [imageSize, imageSize];
  return new TransformPipeline(
    augment
      ? [{ type: 'randomResizedCrop', size, scale: [0.2, 1], ratio: [3 / 4, 4 / 3] }, { type: 'horizontalFlip', p: 0.5 }, { type: 'normalize' }]
      : [{ type: 'resize', size }, { type: 'normalize' }],
  );
}

/** Test-time transforms: resize to the training size (a no-op for the synthetic sets) and normalise. */
export function testPipeline(imageSize: number): TransformPipeline {
  return new TransformPipeline([{ type: 'resize', size: [imageSize, imageSize] }, { type: 'normalize' }]);
}

// Decorrelates the augmentation stream from the shuffling stream of the same seed.
const AUGMENT_SALT = 0x2545f491;

/**
 * Seeded, resumable training batches (`images` float `[B, S, S, C]`, `labels` int32 `[B, S, S]`):
 * the order comes from `batchIndices` and the augmentation of step k from `deriveRng(seed, k)`,
 * so a run resumed at `startStep` sees exactly the batches it would have seen. The caller
 * disposes each batch.
 */
export function* trainBatches(examples: readonly SegmentationExample[], pipeline: TransformPipeline, batchSize: number, seed: number, startStep: number): Generator<SegmentationBatch> {
  const collate = collateSegmentation(pipeline);
  let step = startStep;
  for (const indices of batchIndices(examples.length, { batchSize, seed, startStep })) {
    yield collateNow(collate(Array.from(indices, (i) => examples[i]!), { step, indices, rng: deriveRng(seed ^ AUGMENT_SALT, step) }));
    step++;
  }
}

/** Consecutive, unshuffled batches of `examples[start … start + size)` for evaluation. */
export function testBatch(examples: readonly SegmentationExample[], pipeline: TransformPipeline, start: number, size: number): SegmentationBatch {
  const indices = Int32Array.from({ length: size }, (_, i) => start + i);
  return collateNow(collateSegmentation(pipeline)(Array.from(indices, (i) => examples[i]!), { step: 0, indices, rng: deriveRng(0, 0) }));
}

/** `collateSegmentation` works synchronously on in-memory examples; the training loop needs that. */
function collateNow(batch: SegmentationBatch | Promise<SegmentationBatch>): SegmentationBatch {
  if (batch instanceof Promise) throw new PatchworkError('E_ARGUMENT', 'segment-train: the collate function returned a promise; batches must be built synchronously');
  return batch;
}
