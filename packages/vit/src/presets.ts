import { PatchworkError } from '@patchwork/tensor-core';
import type { VitConfigInput } from './config.js';
import { VisionTransformer } from './vision-transformer.js';
import type { VitOptions } from './vision-transformer.js';

/** A named architecture: its config, its parameter count and where both come from. */
export interface VitPreset {
  readonly config: Readonly<VitConfigInput>;
  /** `sum(p.numel() for p in model.parameters())` of the timm model with this config. */
  readonly params: number;
  readonly source: string;
}

const TIMM = 'timm VisionTransformer (huggingface/pytorch-image-models @ aa4b5850), num_classes=1000';
const SMALL = 'Patchwork small-image preset; params checked against timm VisionTransformer with the same kwargs';

/**
 * Standard timm ViTs (ImageNet, 1000 classes) and small presets for 28–32 px images
 * (Fashion-MNIST: 1 channel, 28 px; CIFAR: 3 channels, 32 px; 10 classes).
 *
 * timm's `create_model` builds `vit_large_patch32_224` and `vit_huge_patch14_224` with
 * `num_classes=0` by default (their first pretrained tag is an in21k backbone without head); the
 * counts here include the 1000-class head, as the class constructor does.
 */
export const VIT_PRESETS = {
  vit_tiny_patch16_224: { config: { patchSize: 16, embedDim: 192, depth: 12, numHeads: 3 }, params: 5_717_416, source: TIMM },
  vit_tiny_patch16_384: { config: { imgSize: 384, patchSize: 16, embedDim: 192, depth: 12, numHeads: 3 }, params: 5_790_376, source: TIMM },
  vit_small_patch32_224: { config: { patchSize: 32, embedDim: 384, depth: 12, numHeads: 6 }, params: 22_878_952, source: TIMM },
  vit_small_patch32_384: { config: { imgSize: 384, patchSize: 32, embedDim: 384, depth: 12, numHeads: 6 }, params: 22_915_432, source: TIMM },
  vit_small_patch16_224: { config: { patchSize: 16, embedDim: 384, depth: 12, numHeads: 6 }, params: 22_050_664, source: TIMM },
  vit_small_patch16_384: { config: { imgSize: 384, patchSize: 16, embedDim: 384, depth: 12, numHeads: 6 }, params: 22_196_584, source: TIMM },
  vit_base_patch32_224: { config: { patchSize: 32, embedDim: 768, depth: 12, numHeads: 12 }, params: 88_224_232, source: TIMM },
  vit_base_patch32_384: { config: { imgSize: 384, patchSize: 32, embedDim: 768, depth: 12, numHeads: 12 }, params: 88_297_192, source: TIMM },
  vit_base_patch16_224: { config: { patchSize: 16, embedDim: 768, depth: 12, numHeads: 12 }, params: 86_567_656, source: TIMM },
  vit_base_patch16_384: { config: { imgSize: 384, patchSize: 16, embedDim: 768, depth: 12, numHeads: 12 }, params: 86_859_496, source: TIMM },
  vit_large_patch32_224: { config: { patchSize: 32, embedDim: 1024, depth: 24, numHeads: 16 }, params: 306_535_400, source: TIMM },
  vit_large_patch32_384: { config: { imgSize: 384, patchSize: 32, embedDim: 1024, depth: 24, numHeads: 16 }, params: 306_632_680, source: TIMM },
  vit_large_patch16_224: { config: { patchSize: 16, embedDim: 1024, depth: 24, numHeads: 16 }, params: 304_326_632, source: TIMM },
  vit_large_patch16_384: { config: { imgSize: 384, patchSize: 16, embedDim: 1024, depth: 24, numHeads: 16 }, params: 304_715_752, source: TIMM },
  vit_huge_patch14_224: { config: { patchSize: 14, embedDim: 1280, depth: 32, numHeads: 16 }, params: 632_045_800, source: TIMM },

  vit_micro_patch4_28: {
    config: { imgSize: 28, patchSize: 4, inChans: 1, numClasses: 10, embedDim: 64, depth: 6, numHeads: 4 },
    params: 305_034,
    source: SMALL,
  },
  vit_micro_patch4_32: {
    config: { imgSize: 32, patchSize: 4, inChans: 3, numClasses: 10, embedDim: 64, depth: 6, numHeads: 4 },
    params: 308_042,
    source: SMALL,
  },
  vit_tiny_patch4_28: {
    config: { imgSize: 28, patchSize: 4, inChans: 1, numClasses: 10, embedDim: 192, depth: 12, numHeads: 3 },
    params: 5_353_738,
    source: SMALL,
  },
  vit_tiny_patch4_32: {
    config: { imgSize: 32, patchSize: 4, inChans: 3, numClasses: 10, embedDim: 192, depth: 12, numHeads: 3 },
    params: 5_362_762,
    source: SMALL,
  },
  vit_small_patch4_32: {
    config: { imgSize: 32, patchSize: 4, inChans: 3, numClasses: 10, embedDim: 384, depth: 12, numHeads: 6 },
    params: 21_342_346,
    source: SMALL,
  },
} as const satisfies Record<string, VitPreset>;

/** Names of the built-in presets. */
export type VitPresetName = keyof typeof VIT_PRESETS;

/** The config of a preset with `overrides` applied; throws naming the known presets if `name` is unknown. */
export function vitPresetConfig(name: string, overrides: VitConfigInput = {}): VitConfigInput {
  if (!Object.hasOwn(VIT_PRESETS, name)) {
    throw new PatchworkError('E_ARGUMENT', `unknown ViT preset '${name}'; known: ${Object.keys(VIT_PRESETS).join(', ')}`);
  }
  return { ...VIT_PRESETS[name as VitPresetName].config, ...overrides };
}

/** Build a preset, e.g. `createVit('vit_micro_patch4_28')` or `createVit('vit_base_patch16_224', { numClasses: 10 })`. */
export function createVit(name: string, overrides: VitConfigInput = {}, options: VitOptions = {}): VisionTransformer {
  return new VisionTransformer(vitPresetConfig(name, overrides), options);
}
