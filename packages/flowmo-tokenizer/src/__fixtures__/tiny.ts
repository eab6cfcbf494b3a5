// Shared by the tests: a FlowMo small enough to train in seconds, and smooth test images.
import { Rng, tf } from '@patchwork/tensor-core';
import type { FlowmoConfigInput } from '../config.js';
import type { FeatureExtractor } from '../train/perceptual.js';

/** 16×16 images, 16 patch tokens, 4 code tokens × 4 bits; encoder and decoder hidden 16, one block each. */
export const TINY: FlowmoConfigInput = {
  imageSize: 16,
  patchSize: 4,
  codeLength: 4,
  contextDim: 4,
  codebookSizeForEntropy: 2,
  mupWidth: 2,
  encMupWidth: 2,
  encDepth: 1,
  decDepth: 1,
  dit: { hiddenSize: 32, numHeads: 2, axesDim: [4, 4, 8] },
};

/** `b` smooth colour images `[b, size, size, 3]` in [−1, 1] (random low-frequency waves). Caller disposes. */
export function smoothImages(b: number, size: number, seed: number): tf.Tensor4D {
  const rng = new Rng(seed);
  const data = new Float32Array(b * size * size * 3);
  for (let n = 0; n < b; n++) {
    const [fx, fy, ph] = [rng.uniformScalar(0.5, 2), rng.uniformScalar(0.5, 2), rng.uniformScalar(0, 6)];
    const colour = [rng.uniformScalar(-1, 1), rng.uniformScalar(-1, 1), rng.uniformScalar(-1, 1)];
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const wave = Math.sin((fx * x * Math.PI) / size + ph) * Math.cos((fy * y * Math.PI) / size);
        for (let c = 0; c < 3; c++) data[((n * size + y) * size + x) * 3 + c] = 0.6 * wave * colour[c]!;
      }
    }
  }
  return tf.tensor4d(data, [b, size, size, 3]);
}

/** A cheap frozen "feature network" for tests: the image and its 2× and 4× average-pooled versions. */
export const poolFeatures: FeatureExtractor = (images) => [images, tf.avgPool(images, 2, 2, 'valid'), tf.avgPool(images, 4, 4, 'valid')];
