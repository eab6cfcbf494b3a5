import { parseConfig } from '@patchwork/tensor-core';
import { z } from 'zod';

/**
 * One row of the paper's Table 2, `[t, c, n, s]`: expansion factor, output channels (before the
 * width multiplier), number of blocks, and the stride of the group's first block (the rest use 1).
 */
export type InvertedResidualRow = readonly [t: number, c: number, n: number, s: 1 | 2];

/** The paper's Table 2 (also torchvision's default `inverted_residual_setting`). */
export const PAPER_INVERTED_RESIDUAL_SETTING: readonly InvertedResidualRow[] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

const strideSchema = z.union([z.literal(1), z.literal(2)]);

const rowSchema = z
  .tuple([
    z.number().positive().describe('t: expansion factor'),
    z.int().min(1).describe('c: output channels before the width multiplier'),
    z.int().min(0).describe('n: blocks in the group (0 skips the row, as torchvision does)'),
    strideSchema.describe('s: stride of the first block (torchvision asserts 1 or 2)'),
  ])
  .readonly();

/**
 * MobileNetV2 hyperparameters. Defaults are torchvision's `mobilenet_v2()` (the paper's ImageNet
 * network); `inChans`, `stemStride` and `outputStride` are Patchwork additions for small inputs and
 * dense-prediction backbones and keep torchvision's state-dict layout whatever their values.
 */
export const MobileNetV2ConfigSchema = z
  .object({
    /** Classifier outputs. */
    numClasses: z.int().min(1).default(1000),
    /** Width multiplier α: every layer's channels are `makeDivisible(c·α, roundNearest)`; the last conv is never narrowed below 1280. */
    widthMult: z.number().positive().default(1),
    /** The `[t, c, n, s]` table; default {@link PAPER_INVERTED_RESIDUAL_SETTING}. */
    invertedResidualSetting: z.array(rowSchema).min(1).readonly().default(PAPER_INVERTED_RESIDUAL_SETTING),
    /** Channel counts are rounded to multiples of this (1 turns rounding off). */
    roundNearest: z.int().min(1).default(8),
    /** Dropout probability before the classifier (torchvision's default 0.2). */
    dropout: z.number().min(0).lt(1).default(0.2),
    /** Input channels: 3 for RGB; 1 for grayscale datasets such as Fashion-MNIST. Changes only `features.0.0.weight`'s shape. */
    inChans: z.int().min(1).default(3),
    /**
     * Stride of the stem conv. 2 is the paper's; 1 keeps full resolution for 28–32 px inputs
     * (total stride 16 instead of 32) and changes no weight shape.
     */
    stemStride: strideSchema.default(2),
    /**
     * Total downsampling of the features. Below the network's own stride, later strides become
     * dilations (atrous convolution) as in Mobile DeepLabv3: 16 for its segmentation backbone, 8 for denser maps.
     */
    outputStride: z.union([z.literal(8), z.literal(16), z.literal(32)]).default(32),
  })
  .strict();

/** What a user writes: every field optional. */
export type MobileNetV2ConfigInput = z.input<typeof MobileNetV2ConfigSchema>;
/** The validated config with every default filled in. */
export type MobileNetV2Config = z.output<typeof MobileNetV2ConfigSchema>;

/** Validate a config (unknown keys are errors) and fill in the defaults; throws `ConfigError` listing every problem. */
export function parseMobileNetV2Config(input: unknown = {}): MobileNetV2Config {
  return parseConfig(MobileNetV2ConfigSchema, input, 'MobileNetV2 config');
}
