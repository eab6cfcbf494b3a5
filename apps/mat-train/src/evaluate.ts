import { tf } from '@patchwork/tensor-core';
import { inpaint } from '@patchwork/mat-inpaint';
import type { MatGenerator } from '@patchwork/mat-inpaint';
import { meanAbsoluteError, psnr, ssim } from '@patchwork/metrics';
import type { InpaintBatch } from './data.js';

/** Validation numbers of the EMA generator on the fixed crops (whole images, [−1, 1] → data range 2). */
export interface EvalMetrics {
  psnr: number;
  ssim: number;
  /** L1 on [0, 1] images (MAT's logged L1). */
  l1: number;
}

/** Inpaint the validation crops (seed 0) and score them against the originals. */
export function evaluate(generator: MatGenerator, val: InpaintBatch): EvalMetrics {
  const out = inpaint(generator, val.images, val.masks, { seed: 0 });
  try {
    return {
      psnr: psnr(out, val.images, { dataRange: 2 }),
      ssim: ssim(out, val.images, { dataRange: 2 }),
      l1: meanAbsoluteError(out, val.images) / 2,
    };
  } finally {
    tf.dispose(out);
  }
}
