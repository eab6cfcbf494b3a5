export { ProgressBar, formatProgress } from './progress.js';
export type { ProgressOptions } from './progress.js';
export { JsonlLog } from './jsonl-log.js';
export { encodePng } from './png.js';
export type { RasterImage } from './png.js';
export { linePlot } from './plot.js';
export type { Series } from './plot.js';
export { fit } from './fit.js';
export type { FitOptions, FitResult } from './fit.js';
