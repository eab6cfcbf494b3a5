import type { tf } from '@patchwork/tensor-core';
import type { ParityCase } from './case.js';

/** One output an adapter computed, in the fixture's layout, with how strictly to compare it. */
export interface ParityOutput {
  value: tf.Tensor;
  /** Multiplies the case tolerance (e.g. 10 for compounding sampling chains); 0 = must match exactly. */
  toleranceScale?: number;
}

/**
 * Runs one family of fixture cases through a Patchwork model: builds it from the case's *official*
 * constructor arguments, loads the official weights, replays the recorded calls with the recorded
 * inputs and returns every output it reproduces, keyed as in `io.safetensors`.
 */
export interface ParityAdapter {
  /** Human name, e.g. `timm VisionTransformer`. */
  name: string;
  /** Whether this adapter handles the case (by `model`, and the reference class where one model has several). */
  accepts(c: ParityCase): boolean;
  run(c: ParityCase): Promise<Record<string, ParityOutput>> | Record<string, ParityOutput>;
}
