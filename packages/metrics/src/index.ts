export { topKAccuracy, confusionMatrix } from './classification.js';
export { SegmentationMetric, intersectAndUnion, segmentationScores } from './segmentation.js';
export type { SegmentationAreas, SegmentationScores } from './segmentation.js';
export { psnr, psnrPerImage, meanAbsoluteError, meanSquaredError, imageQualityOptionsSchema } from './image-quality.js';
export type { ImageQualityOptions } from './image-quality.js';
export { ssim, ssimPerImage, SSIM_K1, SSIM_K2, SSIM_SIGMA, SSIM_WINDOW } from './ssim.js';
export type { LabelsLike } from './validate.js';
