import { SmallConvNet } from '@patchwork/layers';
import type { Module } from '@patchwork/layers';
import { MOBILENETV2_PRESETS, createMobileNetV2 } from '@patchwork/mobilenetv2';
import type { MobileNetV2PresetName } from '@patchwork/mobilenetv2';
import { VIT_PRESETS, createVit } from '@patchwork/vit';
import { PatchworkError, Rng } from '@patchwork/tensor-core';
import type { tf } from '@patchwork/tensor-core';

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
  /** Stochastic depth of the last block; ViT models only. */
  dropPath?: number;
}

/** A named classifier with the config stored in its checkpoints. */
export interface BuiltModel {
  model: Classifier;
  config: Record<string, unknown>;
}

type Builder = (spec: BuildSpec) => BuiltModel;

// Small inputs (Fashion-MNIST, CIFAR) keep full resolution in the stem, as CIFAR MobileNetV2 ports do.
function mobilenet(name: MobileNetV2PresetName): Builder {
  return ({ inChannels, imageSize, numClasses, seed }) => {
    const overrides = { numClasses, inChans: inChannels, stemStride: imageSize <= 64 ? 1 : 2 } as const;
    return { model: createMobileNetV2(name, overrides, { rng: new Rng(seed) }), config: { preset: name, ...overrides } };
  };
}

function vit(name: string): Builder {
  return ({ inChannels, imageSize, numClasses, seed, dropPath = 0 }) => {
    // dropPathRate only when set, so checkpoints of runs without it keep their identity.
    const overrides = { numClasses, inChans: inChannels, imgSize: imageSize, ...(dropPath > 0 ? { dropPathRate: dropPath } : {}) };
    return { model: createVit(name, overrides, { rng: new Rng(seed) }), config: { preset: name, ...overrides } };
  };
}

const BUILDERS: Record<string, Builder> = {
  'small-cnn': ({ inChannels, numClasses, seed }) => ({
    model: new SmallConvNet({ inChannels, numClasses, rng: new Rng(seed) }),
    config: { inChannels, numClasses, width: 32 },
  }),
  ...Object.fromEntries(Object.keys(MOBILENETV2_PRESETS).map((n) => [n, mobilenet(n as MobileNetV2PresetName)])),
  // The small ViT presets fit 28–32 px inputs; the ImageNet ones would need upsampled images.
  ...Object.fromEntries(Object.keys(VIT_PRESETS).filter((n) => /_(28|32)$/.test(n)).map((n) => [n, vit(n)])),
};

/** Names `--model` accepts. */
export function modelNames(): string[] {
  return Object.keys(BUILDERS);
}

/** Build a classifier by name, or fail listing the known names. */
export function buildModel(name: string, spec: BuildSpec): BuiltModel {
  const builder = BUILDERS[name];
  if (builder === undefined) throw new PatchworkError('E_ARGUMENT', `unknown model '${name}'; known: ${modelNames().join(', ')}`);
  if ((spec.dropPath ?? 0) > 0 && !Object.hasOwn(VIT_PRESETS, name)) throw new PatchworkError('E_ARGUMENT', `drop path applies to ViT models; '${name}' is not one (--drop-path 0)`);
  return builder(spec);
}
