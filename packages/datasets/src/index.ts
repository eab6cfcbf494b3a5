// Browser-safe entry: no node: imports here or in anything it pulls in (Node-only code is in ./node).
export { decodeIdx } from './idx.js';
export type { IdxArray } from './idx.js';
export { FASHION_MNIST_CLASSES, FASHION_MNIST_PIXELS, fashionMnistFromIdx } from './fashion-mnist.js';
export type { LabelledImages } from './fashion-mnist.js';
export { IGNORE_INDEX } from './types.js';
export type { RawImage, LabelMap, Dataset, ClassificationExample, SegmentationExample } from './types.js';
export { mapDataset } from './dataset.js';
export { deriveRng } from './seeding.js';
export { reduceZeroLabel, checkSameSize } from './labels.js';
export { batchIndices } from './batches.js';
export type { BatchOptions } from './batches.js';

export { ShapesDataset, SHAPE_CLASSES, drawShapes } from './synthetic/shapes.js';
export type { ShapesOptions, ShapesExample, ShapeObject } from './synthetic/shapes.js';
export { FashionMnistMosaic, FASHION_MOSAIC_CLASSES } from './synthetic/fashion-mosaic.js';
export type { FashionMosaicOptions, FashionMosaicExample } from './synthetic/fashion-mosaic.js';

export { resize, shortSideSize } from './transforms/resize.js';
export type { Interpolation } from './transforms/resize.js';
export { crop, centerCrop, centerCropBox, randomResizedCrop, randomResizedCropBox, roundHalfEven } from './transforms/crop.js';
export type { CropBox, RandomResizedCropOptions } from './transforms/crop.js';
export { horizontalFlip, randomHorizontalFlip } from './transforms/flip.js';
export { toTensor, normalize, adjustBrightness, adjustContrast, adjustSaturation, colorJitter, IMAGENET_MEAN, IMAGENET_STD } from './transforms/color.js';
export type { ColorJitterOptions, JitterRange } from './transforms/color.js';
export { jointResize, jointRandomResizedCrop, jointRandomHorizontalFlip } from './transforms/joint.js';
export type { ImageLabelPair } from './transforms/joint.js';
export { TransformPipeline, transformPipelineSchema, transformStepSchema } from './transforms/pipeline.js';
export type { TransformPipelineConfig, TransformStep } from './transforms/pipeline.js';

export { matFreeFormMask, matFreeFormMaskBatch, MAT_MASK_PRESETS } from './masks/mat-mask.js';
export type { MatMask, MatMaskOptions, MatMaskPreset } from './masks/mat-mask.js';
export { maeRandomMask, maeRandomMaskTensors } from './masks/mae-mask.js';
export type { MaeMask } from './masks/mae-mask.js';
export { drawPolyline, fillCapsule, fillRect } from './masks/raster.js';
export type { Canvas, Point } from './masks/raster.js';

export { loadBatches } from './loader/data-loader.js';
export type { Batch, Collate, CollateContext, LoaderOptions } from './loader/data-loader.js';
export { prefetch } from './loader/prefetch.js';
export type { PrefetchOptions } from './loader/prefetch.js';
export { collateClassification, collateSegmentation } from './loader/collate.js';
export type { ClassificationBatch, SegmentationBatch } from './loader/collate.js';
