import type { FlowmoTrainConfig } from '../config.js';
import { loadFashion, loadPhotos } from '../data.js';
import type { ImageSource } from '../data.js';

/** The trainer's image source for `cfg` (the same call `runFlowmoTrain` makes). Caller disposes. */
export async function imageSource(cfg: FlowmoTrainConfig, size: number): Promise<ImageSource> {
  return cfg.data === 'photos' ? loadPhotos(cfg.photoDir, size, cfg.evalImages, cfg.seed) : loadFashion(size, cfg.evalImages, cfg.seed);
}
