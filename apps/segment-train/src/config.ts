import { parseConfig } from '@patchwork/tensor-core';
import { z } from 'zod';

const positiveInt = z.int().positive();

/** Where examples come from, shared by fine-tuning and MAE pre-training. */
const dataShape = {
  /**
   * `shapes`: procedural shapes (5 classes + background); `fashion-mosaic`: real Fashion-MNIST
   * items pasted on a canvas (10 classes + background, bundled 2,000/500 subset, disjoint
   * train/test sources); anything else: the root of an ADE20K- or VOC-layout folder.
   */
  data: z.string().default('shapes'),
  /**
   * `fashion-mosaic` only: where the Fashion-MNIST items come from — `bundled` (the 2,000/500 subset
   * inside @patchwork/datasets, the default), `debian` (the full 60k/10k set of Debian's
   * dataset-fashion-mnist) or a folder with the IDX files. MAE pre-training on `debian` uses more
   * unlabelled images than the labelled fine-tuning set, as MAE does.
   */
  fashionSource: z.string().min(1).optional(),
  /** Layout of a folder `data`. */
  layout: z.enum(['ade20k', 'voc']).default('ade20k'),
  /** Side of the square training images (folders: resized to it). */
  imageSize: positiveInt.default(64),
  /** Examples in the training split (synthetic sets), or a limit (folders). */
  trainSize: positiveInt.default(2000),
  /** Examples in the held-out split (synthetic sets), or a limit (folders). */
  testSize: positiveInt.default(200),
  batchSize: positiveInt.default(8),
  seed: z.int().default(0),
  runDir: z.string().default('runs/segment'),
  resume: z.boolean().default(true),
  checkpointEvery: z.int().min(0).default(100),
};

function checkFashionSource(c: { data: string; fashionSource?: string | undefined }, issue: (path: string, message: string) => void): void {
  if (c.fashionSource !== undefined && c.data !== 'fashion-mosaic') issue('fashionSource', `fashionSource picks the items of --data fashion-mosaic; --data is '${c.data}'`);
}

/** ViT encoder shape, shared by the ViT-UperNet model and MAE pre-training so the weights fit. */
const vitShape = {
  patchSize: z.union([z.literal(8), z.literal(16)]).default(8),
  embedDim: positiveInt.default(96),
  depth: z.int().min(4).default(6),
  numHeads: positiveInt.default(3),
};

/** Fine-tuning config; defaults train the ViT-UperNet on shapes in a few minutes on 2 cores. */
export const SegmentConfigSchema = z
  .object({
    ...dataShape,
    ...vitShape,
    /** `vit-upernet`: ViT + Feature2Pyramid + UperNet + FCN aux (the MAE recipe); `mobilenetv2-deeplabv3`: MobileNetV2 + Mobile DeepLabv3 + FCN aux. */
    model: z.enum(['vit-upernet', 'mobilenetv2-deeplabv3']).default('vit-upernet'),
    /** Encoder weights from `pretrain-mae` (its `mae-encoder.safetensors`) or any MAE encoder checkpoint; ViT only. */
    pretrained: z.string().optional(),
    dropPathRate: z.number().min(0).lt(1).default(0.1),
    /** MobileNetV2 width preset. */
    mobilenet: z.enum(['mobilenet_v2_0.35', 'mobilenet_v2_0.5', 'mobilenet_v2_0.75', 'mobilenet_v2_1.0']).default('mobilenet_v2_0.5'),
    outputStride: z.union([z.literal(8), z.literal(16)]).default(8),
    /** MobileNetV2 stem stride: 1 treats a 64 px image like a 128 px one (4× the compute, finer maps). */
    stemStride: z.union([z.literal(1), z.literal(2)]).default(2),
    /** Width inside the decode head (UperNet / ASPP); the auxiliary FCN head uses half. */
    headChannels: positiveInt.default(32),
    /** Weight of the auxiliary FCN head's loss; 0 drops the head. */
    auxWeight: z.number().min(0).default(0.4),
    steps: positiveInt.default(600),
    lr: z.number().positive().default(1e-3),
    weightDecay: z.number().min(0).default(0.05),
    /** Layer-wise learning-rate decay over the ViT blocks (MAE recipe: 0.65); 1 = none. */
    layerDecay: z.number().gt(0).max(1).default(0.75),
    /** Linear warmup steps of the poly schedule, from `warmupRatio × lr`. */
    warmup: z.int().min(0).default(30),
    warmupRatio: z.number().min(0).max(1).default(1e-6),
    polyPower: z.number().positive().default(1),
    minLr: z.number().min(0).default(0),
    clipNorm: z.number().positive().optional(),
    /** Joint image+label augmentation: random resized crop (scale 0.75–1), horizontal flip, colour jitter. */
    augment: z.boolean().default(true),
    /** `slide` evaluates with overlapping `crop` windows every `stride` (needs a ViT built for the crop: automatic). */
    testMode: z.enum(['whole', 'slide']).default('whole'),
    crop: positiveInt.optional(),
    stride: positiveInt.optional(),
    evalEvery: z.int().min(0).default(0),
    /** Test images drawn in `overlays.png`. */
    overlays: z.int().min(0).default(8),
  })
  .strict()
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string): void => void ctx.addIssue({ code: 'custom', path: [path], message });
    checkFashionSource(c, issue);
    if (c.embedDim % c.numHeads !== 0) issue('numHeads', `embedDim (${c.embedDim}) must be divisible by numHeads (${c.numHeads})`);
    if (c.model === 'vit-upernet' && c.imageSize % c.patchSize !== 0) issue('imageSize', `imageSize (${c.imageSize}) must be a multiple of patchSize (${c.patchSize})`);
    if (c.pretrained !== undefined && c.model !== 'vit-upernet') issue('pretrained', 'MAE weights load into the ViT backbone only (model vit-upernet)');
    if (c.testMode === 'slide' && (c.crop === undefined || c.stride === undefined)) issue('crop', "testMode 'slide' needs crop and stride");
    if (c.crop !== undefined && c.model === 'vit-upernet' && c.crop % c.patchSize !== 0) issue('crop', `crop (${c.crop}) must be a multiple of patchSize (${c.patchSize})`);
    if (c.headChannels % 2 !== 0) issue('headChannels', 'headChannels must be even (the auxiliary head uses half)');
  });

export type SegmentConfig = z.output<typeof SegmentConfigSchema>;

/** MAE pre-training config: the same data and ViT encoder fields, plus the decoder and masking. */
export const MaePretrainConfigSchema = z
  .object({
    ...dataShape,
    ...vitShape,
    runDir: z.string().default('runs/mae'),
    batchSize: positiveInt.default(32),
    steps: positiveInt.default(400),
    decoderEmbedDim: positiveInt.default(64),
    decoderDepth: z.int().min(1).default(2),
    decoderNumHeads: positiveInt.default(2),
    maskRatio: z.number().gt(0).lt(1).default(0.75),
    normPixLoss: z.boolean().default(true),
    /** MAE pre-training recipe: AdamW β₂ 0.95, weight decay 0.05, cosine after a linear warmup. */
    lr: z.number().positive().default(1.5e-3),
    weightDecay: z.number().min(0).default(0.05),
    warmup: z.int().min(0).default(40),
    /** Horizontal flips of the pre-training images. */
    augment: z.boolean().default(true),
  })
  .strict()
  .superRefine((c, ctx) => {
    checkFashionSource(c, (path, message) => void ctx.addIssue({ code: 'custom', path: [path], message }));
    if (c.imageSize % c.patchSize !== 0) ctx.addIssue({ code: 'custom', path: ['imageSize'], message: `imageSize (${c.imageSize}) must be a multiple of patchSize (${c.patchSize})` });
    if (c.embedDim % c.numHeads !== 0) ctx.addIssue({ code: 'custom', path: ['numHeads'], message: `embedDim (${c.embedDim}) must be divisible by numHeads (${c.numHeads})` });
  });

export type MaePretrainConfig = z.output<typeof MaePretrainConfigSchema>;

/** Validate a fine-tuning config; unknown keys and bad values fail with every problem listed. */
export function parseSegmentConfig(input: unknown): SegmentConfig {
  return parseConfig(SegmentConfigSchema, input, 'segment-train config');
}

/** Validate a pre-training config; unknown keys and bad values fail with every problem listed. */
export function parseMaePretrainConfig(input: unknown): MaePretrainConfig {
  return parseConfig(MaePretrainConfigSchema, input, 'pretrain-mae config');
}

// Shared trainer command-line parsing.
export { argsToConfig } from '@patchwork/train';
