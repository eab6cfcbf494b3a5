import { PatchworkError } from '@patchwork/tensor-core';
import type { MaeConfigInput } from './config.js';
import { MaskedAutoencoderViT } from './masked-autoencoder.js';
import type { MaeOptions } from './masked-autoencoder.js';

/** A named MAE architecture with its parameter counts. */
export interface MaePreset {
  readonly config: Readonly<MaeConfigInput>;
  /**
   * PyTorch's `sum(p.numel() for p in model.parameters())` of the official model, which includes
   * the frozen sin-cos `pos_embed` and `decoder_pos_embed` (`nn.Parameter(requires_grad=False)`);
   * compare with {@link MaskedAutoencoderViT.numParametersTorch}.
   */
  readonly params: number;
  /** Trainable parameters (`requires_grad`), i.e. {@link MaskedAutoencoderViT.numParameters}. */
  readonly trainableParams: number;
  readonly source: string;
}

const OFFICIAL = 'facebookresearch/mae models_mae.py @ efb2a806 (mae_vit_*_dec512d8b factories)';
const SMALL = 'Patchwork small-image preset; counts checked against the official MaskedAutoencoderViT with the same kwargs';

/**
 * The official MAE pre-training models (224 px, decoder 512 wide, 8 deep, 16 heads, LayerNorm eps
 * 1e-6) and small presets for 28–32 px images (Fashion-MNIST: 1 channel; CIFAR: 3 channels).
 */
export const MAE_PRESETS = {
  mae_vit_base_patch16: {
    config: { patchSize: 16, embedDim: 768, depth: 12, numHeads: 12, decoderEmbedDim: 512, decoderDepth: 8, decoderNumHeads: 16 },
    params: 111_907_840,
    trainableParams: 111_655_680,
    source: OFFICIAL,
  },
  mae_vit_large_patch16: {
    config: { patchSize: 16, embedDim: 1024, depth: 24, numHeads: 16, decoderEmbedDim: 512, decoderDepth: 8, decoderNumHeads: 16 },
    params: 329_541_888,
    trainableParams: 329_239_296,
    source: OFFICIAL,
  },
  mae_vit_huge_patch14: {
    config: { patchSize: 14, embedDim: 1280, depth: 32, numHeads: 16, decoderEmbedDim: 512, decoderDepth: 8, decoderNumHeads: 16 },
    params: 657_074_508,
    trainableParams: 656_613_964,
    source: OFFICIAL,
  },
  mae_vit_micro_patch4_28: {
    config: { imgSize: 28, patchSize: 4, inChans: 1, embedDim: 64, depth: 6, numHeads: 4, decoderEmbedDim: 64, decoderDepth: 2, decoderNumHeads: 4 },
    params: 412_944,
    trainableParams: 406_544,
    source: SMALL,
  },
  mae_vit_micro_patch4_32: {
    config: { imgSize: 32, patchSize: 4, inChans: 3, embedDim: 64, depth: 6, numHeads: 4, decoderEmbedDim: 64, decoderDepth: 2, decoderNumHeads: 4 },
    params: 418_992,
    trainableParams: 410_672,
    source: SMALL,
  },
  mae_vit_tiny_patch4_32: {
    config: { imgSize: 32, patchSize: 4, inChans: 3, embedDim: 192, depth: 12, numHeads: 3, decoderEmbedDim: 128, decoderDepth: 4, decoderNumHeads: 4 },
    params: 6_193_520,
    trainableParams: 6_172_720,
    source: SMALL,
  },
} as const satisfies Record<string, MaePreset>;

/** Names of the built-in presets. */
export type MaePresetName = keyof typeof MAE_PRESETS;

/** The config of a preset with `overrides` applied; throws naming the known presets if `name` is unknown. */
export function maePresetConfig(name: string, overrides: MaeConfigInput = {}): MaeConfigInput {
  if (!Object.hasOwn(MAE_PRESETS, name)) {
    throw new PatchworkError('E_ARGUMENT', `unknown MAE preset '${name}'; known: ${Object.keys(MAE_PRESETS).join(', ')}`);
  }
  return { ...MAE_PRESETS[name as MaePresetName].config, ...overrides };
}

/** Build a preset, e.g. `createMae('mae_vit_micro_patch4_28', { normPixLoss: true })`. */
export function createMae(name: string, overrides: MaeConfigInput = {}, options: MaeOptions = {}): MaskedAutoencoderViT {
  return new MaskedAutoencoderViT(maePresetConfig(name, overrides), options);
}
