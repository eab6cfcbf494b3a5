import { PatchworkError } from '@patchwork/tensor-core';
import type { FlowmoConfigInput } from './config.js';

/** A named FlowMo architecture: its config, parameter count, bit rate and where they come from. */
export interface FlowmoPreset {
  readonly config: Readonly<FlowmoConfigInput>;
  /** `sum(p.numel())` of the official `FlowMo` module with this config (encoder + decoder). */
  readonly params: number;
  /** Bits per pixel of the code. */
  readonly bpp: number;
  readonly source: string;
}

const OFFICIAL = 'official flowmo/configs/base.yaml + README launch overrides (kylesargent/FlowMo @ d15029f); params from the official module structure';
const SMALL = 'Patchwork preset for small images; same architecture, base DiT of the size given';
const FIXTURE = 'tooling/fixtures/flowmo/tiny_p8_img32: base.yaml with the fixture overrides and its tiny DIT_ZOO entry';

/**
 * FlowMo-Lo (0.0703 BPP: 256 tokens × 18 bits at 256²) and FlowMo-Hi (0.219 BPP: 256 × 56 bits)
 * at the official sizes (patch 4, encoder width 4 = hidden 768 × 8 blocks, decoder width 6 = hidden
 * 1152 × 16 blocks), the README's low-resource variant (patch 8, decoder width 4), and small
 * presets that train on a CPU here.
 */
export const FLOWMO_PRESETS = {
  flowmo_lo: { config: {}, params: 945_374_085, bpp: 0.0703125, source: OFFICIAL },
  flowmo_hi: { config: { contextDim: 56, codebookSizeForEntropy: 14 }, params: 945_520_081, bpp: 0.21875, source: OFFICIAL },
  flowmo_lo_p8_w4: { config: { patchSize: 8, mupWidth: 4 }, params: 517_117_861, bpp: 0.0703125, source: `${OFFICIAL} ("model.patch_size=8 model.mup_width=4")` },
  flowmo_tiny_p8_img32: {
    config: {
      imageSize: 32,
      patchSize: 8,
      codeLength: 8,
      contextDim: 6,
      codebookSizeForEntropy: 3,
      encDepth: 2,
      decDepth: 2,
      dit: { hiddenSize: 32, numHeads: 2, axesDim: [4, 4, 8] },
    },
    params: 314_669,
    bpp: 0.046875,
    source: FIXTURE,
  },
  flowmo_small_img32: {
    config: {
      imageSize: 32,
      patchSize: 4,
      codeLength: 16,
      contextDim: 12,
      codebookSizeForEntropy: 6,
      encDepth: 2,
      decDepth: 3,
      dit: { hiddenSize: 64, numHeads: 4, axesDim: [4, 4, 8] },
    },
    params: 1_431_449,
    bpp: 0.1875,
    source: SMALL,
  },
} as const satisfies Record<string, FlowmoPreset>;

/** Name of a built-in preset. */
export type FlowmoPresetName = keyof typeof FLOWMO_PRESETS;

/** The config of a preset by name; unknown names list the known ones. */
export function flowmoPreset(name: string): Readonly<FlowmoConfigInput> {
  const preset = (FLOWMO_PRESETS as Record<string, FlowmoPreset>)[name];
  if (preset === undefined) throw new PatchworkError('E_ARGUMENT', `unknown FlowMo preset '${name}' (known: ${Object.keys(FLOWMO_PRESETS).join(', ')})`);
  return preset.config;
}
