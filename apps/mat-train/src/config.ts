import { parseConfig } from '@patchwork/tensor-core';
import { MAT_PRESETS } from '@patchwork/mat-inpaint';
import { z } from 'zod';

/** Where Debian's python3-skimage keeps its sample photographs (astronaut, cat, coffee, rocket, …). */
export const SKIMAGE_DATA_DIR = '/usr/lib/python3/dist-packages/skimage/data';

/** Trainer config; the defaults train the `mat-tiny-64` model for a few minutes on a 2-core CPU. */
export const MatTrainConfigSchema = z
  .object({
    /** A `@patchwork/mat-inpaint` preset (the native resolution is the crop size). */
    preset: z.enum(Object.keys(MAT_PRESETS) as [keyof typeof MAT_PRESETS, ...(keyof typeof MAT_PRESETS)[]]).default('mat-tiny-64'),
    /**
     * Training photos: a comma-separated list of photo sets (`skimage` = the colour photographs of
     * Debian's python3-skimage, `lomiri` = the training photographs of Debian's lomiri-wallpapers)
     * and folders of images (searched recursively).
     */
    data: z.string().default('skimage'),
    /** Photos with a longer side are shrunk to it on load (crops are then 2–25% of that). */
    photoSide: z.number().int().min(16).default(512),
    /**
     * Held-out benchmark photos, in the same syntax as `data` (`lomiri-test` = the six held-out
     * lomiri-wallpapers photographs), or `none`. Training refuses to start if they overlap `data`.
     */
    testData: z.string().default('none'),
    /** Held-out crops the benchmark scores (crop i comes from test photo i mod count). */
    testImages: z.number().int().positive().default(96),
    /** Seed of the held-out crops and masks; the training streams use `seed` … `seed + 4`. */
    testSeed: z.number().int().default(1000),
    steps: z.number().int().positive().default(60),
    batchSize: z.number().int().positive().default(4),
    lr: z.number().positive().default(2e-3),
    /** Adam β1, β2 of G and D (MAT: 0, 0.99). */
    betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0, 0.99]),
    r1Gamma: z.number().min(0).default(10),
    r1Interval: z.number().int().positive().default(16),
    styleMixingProb: z.number().min(0).max(1).default(0.5),
    /**
     * Reconstruction term through MAT's pluggable perceptual loss: `pixels` = L1 on [0, 1] images
     * (the small-data stand-in used by default), `vgg19:<file.safetensors>` = MAT's VGG-19
     * conv4_4/conv5_4 loss with torchvision weights, `none` = adversarial losses only.
     */
    pcp: z.string().regex(/^(none|pixels|vgg19:.+)$/, { message: "must be 'none', 'pixels' or 'vgg19:<weights.safetensors>'" }).default('pixels'),
    /** Weight of that term (MAT: 0.1 with VGG-19). */
    pcpRatio: z.number().min(0).default(1),
    /** EMA half-life in thousands of images (MAT: 10; tiny runs need a short one). */
    emaKimg: z.number().positive().default(0.05),
    /** Crop area range (fraction of the source image) before resizing to the native size. */
    cropScale: z.tuple([z.number().gt(0).max(1), z.number().gt(0).max(1)]).default([0.02, 0.25]),
    /** Hole-ratio range of the free-form masks (MAT's generator; rectangles + brush strokes). */
    holeRange: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]).default([0.1, 0.6]),
    /** Validation crops (fixed by the seed) for PSNR/SSIM and the sample sheet. */
    valImages: z.number().int().positive().default(8),
    evalEvery: z.number().int().nonnegative().default(20),
    checkpointEvery: z.number().int().nonnegative().default(20),
    seed: z.number().int().default(0),
    runDir: z.string().default('runs/mat-train'),
    resume: z.boolean().default(true),
  })
  .strict();

export type MatTrainConfig = z.output<typeof MatTrainConfigSchema>;

/** Validate a config; unknown keys and bad values fail listing every problem. */
export function parseMatTrainConfig(input: unknown): MatTrainConfig {
  return parseConfig(MatTrainConfigSchema, input, 'mat-train config');
}

// Shared trainer command-line parsing.
export { argsToConfig } from '@patchwork/train';
