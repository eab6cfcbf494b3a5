import { PatchworkError } from '@patchwork/tensor-core';
import { parseMatConfig } from './config.js';
import type { MatConfig, MatConfigInput } from './config.js';

/** A named MAT configuration with the parameter counts it must reproduce. */
export interface MatPreset {
  config: MatConfigInput;
  /** `sum(p.numel() for p in G.parameters())` of the official module (or of ours, for non-official sizes). */
  generatorParams: number;
  discriminatorParams: number;
  source: string;
}

/**
 * Named configurations. `mat-512` is the architecture of every released MAT model (Places365,
 * CelebA-HQ, FFHQ at 512²); `mat-256` is the 256² CelebA-HQ configuration (same body, token grid
 * still 64). Counts were taken from the official classes (fenglinglwb/MAT @ d273d89,
 * `networks/mat.py`) with PyTorch. `mat-tiny-64` is a small model that trains on a CPU here.
 */
export const MAT_PRESETS = {
  'mat-512': {
    config: {},
    generatorParams: 61_562_518,
    discriminatorParams: 36_231_618,
    source: 'official Generator(z_dim=512, c_dim=0, w_dim=512, img_resolution=512, img_channels=3), Discriminator(c_dim=0, img_resolution=512, img_channels=3)',
  },
  'mat-256': {
    config: { imgResolution: 256 },
    generatorParams: 59_779_834,
    discriminatorParams: 36_083_330,
    source: 'official Generator(z_dim=512, c_dim=0, w_dim=512, img_resolution=256, img_channels=3), Discriminator(c_dim=0, img_resolution=256, img_channels=3)',
  },
  'mat-tiny-64': {
    config: {
      imgResolution: 64,
      zDim: 64,
      wDim: 64,
      firstStage: { dim: 32, tokenResolution: 16, depths: [1, 2, 2, 2, 1], windowSizes: [8, 8, 4, 8, 8], numHeads: 2 },
      channelBase: 1024,
      channelMax: 64,
    },
    generatorParams: 685_236,
    discriminatorParams: 370_834,
    source: 'Patchwork: 64×64 images, 16×16 token grid, width 32, for CPU training',
  },
} satisfies Record<string, MatPreset>;

/** Name of a {@link MAT_PRESETS} entry. */
export type MatPresetName = keyof typeof MAT_PRESETS;

/** The validated config of a preset; throws listing the known names for an unknown one. */
export function matPresetConfig(name: string): MatConfig {
  const preset = (MAT_PRESETS as Record<string, MatPreset>)[name];
  if (preset === undefined) throw new PatchworkError('E_ARGUMENT', `unknown MAT preset '${name}' (known: ${Object.keys(MAT_PRESETS).join(', ')})`);
  return parseMatConfig(preset.config);
}
