import { lpipsDistance } from '@patchwork/flowmo-tokenizer';
import type { FlowmoTokenizer } from '@patchwork/flowmo-tokenizer';
import { psnr, ssim } from '@patchwork/metrics';
import { tf } from '@patchwork/tensor-core';
import { frechetDistance } from './fd.js';
import type { RandomConvFeatures } from './features.js';

/** Reconstruction quality on the evaluation set. */
export interface EvalMetrics {
  /** dB, images in [−1, 1] (data range 2), mean over images. */
  psnr: number;
  ssim: number;
  /** Uncalibrated LPIPS distance on the random-conv features (lower is better). */
  perceptual: number;
  /** Fréchet distance between the random-conv embeddings of the originals and the reconstructions. */
  fd: number;
  /** Seconds spent reconstructing. */
  seconds: number;
}

/** Options for {@link evaluateReconstruction}. */
export interface EvalOptions {
  steps: number;
  rho: number;
  cfg: number;
  batchSize: number;
  seed: number;
}

/**
 * Reconstruct `images` batch by batch (encode → LFQ → sample) and score them against the
 * originals. Returns the metrics and the reconstructions (caller disposes).
 */
export function evaluateReconstruction(model: FlowmoTokenizer, images: tf.Tensor4D, features: RandomConvFeatures, o: EvalOptions): { metrics: EvalMetrics; reconstructions: tf.Tensor4D } {
  const t0 = performance.now();
  const n = images.shape[0];
  const parts: tf.Tensor4D[] = [];
  for (let start = 0, i = 0; start < n; start += o.batchSize, i++) {
    const batch = tf.slice(images, [start, 0, 0, 0], [Math.min(o.batchSize, n - start), -1, -1, -1]);
    parts.push(model.reconstruct(batch, { steps: o.steps, rho: o.rho, cfg: o.cfg, seed: o.seed + i }));
    batch.dispose();
  }
  const reconstructions = tf.concat(parts) as tf.Tensor4D;
  tf.dispose(parts);
  const seconds = (performance.now() - t0) / 1000;
  return { metrics: { ...scoreReconstructions(images, reconstructions, features, o.batchSize), seconds }, reconstructions };
}

/** PSNR, SSIM, perceptual distance and FD of reconstructions against originals (both `[N, H, W, 3]` in [−1, 1]). */
export function scoreReconstructions(originals: tf.Tensor4D, reconstructions: tf.Tensor4D, features: RandomConvFeatures, batchSize: number): Omit<EvalMetrics, 'seconds'> {
  const distance = lpipsDistance(features.extract);
  const n = originals.shape[0];
  let perceptual = 0;
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    perceptual += tf.tidy(() => distance(tf.slice(originals, start, size), tf.slice(reconstructions, start, size)).dataSync()[0]! * size);
  }
  const [real, fake] = [features.embed(originals), features.embed(reconstructions)];
  const dim = real.shape[1];
  const fd = frechetDistance(real.dataSync() as Float32Array, fake.dataSync() as Float32Array, dim);
  tf.dispose([real, fake]);
  return { psnr: psnr(originals, reconstructions, { dataRange: 2 }), ssim: ssim(originals, reconstructions, { dataRange: 2 }), perceptual: perceptual / n, fd };
}

/** FD between two halves of the originals: how far apart two samples of real images already are. */
export function realVersusRealFd(images: tf.Tensor4D, features: RandomConvFeatures): number {
  const half = Math.floor(images.shape[0] / 2);
  const [a, b] = tf.tidy(() => [features.embed(tf.slice(images, 0, half)), features.embed(tf.slice(images, half, half))]);
  const fd = frechetDistance(a!.dataSync() as Float32Array, b!.dataSync() as Float32Array, a!.shape[1]!);
  tf.dispose([a!, b!]);
  return fd;
}

/**
 * The trivial baseline: every image replaced by its mean colour (a 24-bit code per image), scored
 * like a reconstruction. A tokenizer must beat it to be carrying more than colour.
 */
export function meanColourBaseline(images: tf.Tensor4D, features: RandomConvFeatures, batchSize: number): Omit<EvalMetrics, 'seconds'> {
  const flat = tf.tidy(() => tf.mul(tf.onesLike(images), tf.mean(images, [1, 2], true)) as tf.Tensor4D);
  try {
    return scoreReconstructions(images, flat, features, batchSize);
  } finally {
    flat.dispose();
  }
}
