import type { MobileNetV2ConfigInput } from './config.js';

/** A named MobileNetV2 and the published numbers it should reproduce. */
export interface MobileNetV2Preset {
  config: MobileNetV2ConfigInput;
  /** Parameters at 1000 classes, from torchvision 0.14 (`sum(p.numel() for p in model.parameters())`). */
  params: number;
  /**
   * Published multiply-adds in millions by input side, from the authors' TF-slim checkpoint table
   * (tensorflow/models `research/slim/nets/mobilenet/README.md` @ 0ba83cf0), rounded there to 1M.
   */
  publishedMMacs: Readonly<Record<number, number>>;
}

/**
 * The paper's width multipliers (ImageNet, 1000 classes). Names follow TF-slim's checkpoints
 * (`mobilenet_v2_<width>`); pick the resolution at run time (any side ≥ 32).
 */
export const MOBILENETV2_PRESETS = {
  'mobilenet_v2_0.35': { config: { widthMult: 0.35 }, params: 1_677_128, publishedMMacs: { 224: 59, 192: 43, 160: 30, 128: 20, 96: 11 } },
  'mobilenet_v2_0.5': { config: { widthMult: 0.5 }, params: 1_968_680, publishedMMacs: { 224: 97, 192: 71, 160: 50, 128: 32, 96: 18 } },
  'mobilenet_v2_0.75': { config: { widthMult: 0.75 }, params: 2_636_424, publishedMMacs: { 224: 209, 192: 153, 160: 107, 128: 69, 96: 39 } },
  'mobilenet_v2_1.0': { config: { widthMult: 1 }, params: 3_504_872, publishedMMacs: { 224: 300, 192: 221, 160: 154, 128: 99, 96: 56 } },
  'mobilenet_v2_1.3': { config: { widthMult: 1.3 }, params: 5_386_792, publishedMMacs: { 224: 509 } },
  'mobilenet_v2_1.4': { config: { widthMult: 1.4 }, params: 6_108_776, publishedMMacs: { 224: 582 } },
} as const satisfies Record<string, MobileNetV2Preset>;

/** A preset name. */
export type MobileNetV2PresetName = keyof typeof MOBILENETV2_PRESETS;
