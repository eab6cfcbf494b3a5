import type { Module } from '@patchwork/layers';
import { PatchworkError, Rng } from '@patchwork/tensor-core';
import type { tf } from '@patchwork/tensor-core';
import { SmallConvNet } from './small-cnn.js';

/** A classifier the trainer can run: NHWC images in, logits out. */
export interface Classifier extends Module {
  forward(x: tf.Tensor): tf.Tensor;
}

/** What a model builder receives. */
export interface BuildSpec {
  inChannels: number;
  imageSize: number;
  numClasses: number;
  seed: number;
}

/** A named classifier with the config stored in its checkpoints. */
export interface BuiltModel {
  model: Classifier;
  config: Record<string, unknown>;
}

type Builder = (spec: BuildSpec) => BuiltModel;

const BUILDERS: Record<string, Builder> = {
  'small-cnn': ({ inChannels, numClasses, seed }) => ({
    model: new SmallConvNet({ inChannels, numClasses, rng: new Rng(seed) }),
    config: { inChannels, numClasses, width: 32 },
  }),
};

/** Names `--model` accepts. */
export function modelNames(): string[] {
  return Object.keys(BUILDERS);
}

/** Build a classifier by name, or fail listing the known names. */
export function buildModel(name: string, spec: BuildSpec): BuiltModel {
  const builder = BUILDERS[name];
  if (builder === undefined) throw new PatchworkError('E_ARGUMENT', `unknown model '${name}'; known: ${modelNames().join(', ')}`);
  return builder(spec);
}
