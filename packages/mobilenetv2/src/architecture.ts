import type { MobileNetV2Config } from './config.js';

/** Stem width and last-conv width before the width multiplier (torchvision's `input_channel`, `last_channel`). */
const STEM_CHANNELS = 32;
const LAST_CHANNELS = 1280;

/**
 * torchvision's `_make_divisible`: round `v` to the nearest multiple of `divisor` (at least
 * `minValue`), going up one step when rounding would lose more than 10%.
 * E.g. `makeDivisible(32 · 0.35, 8)` = 16 (11.2 → 8 would lose 29%).
 */
export function makeDivisible(v: number, divisor: number, minValue: number = divisor): number {
  // Same float operations as Python's `max(min_value, int(v + divisor / 2) // divisor * divisor)`.
  let rounded = Math.max(minValue, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * v) rounded += divisor;
  return rounded;
}

/** Python 3's `round()`: ties go to the even integer (torchvision's `hidden_dim = int(round(inp * t))`). */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const frac = x - floor;
  if (frac !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** One inverted-residual block as built: channels, stride and dilation after the output-stride rewrite. */
export interface BlockPlan {
  /** Position in `features` (1-based: `features.0` is the stem). */
  index: number;
  inChannels: number;
  /** Expanded width `round(inChannels · t)`; equals `inChannels` when t = 1 (no expansion conv). */
  hiddenChannels: number;
  outChannels: number;
  expandRatio: number;
  /** Stride of the depthwise conv (1 where output-stride mode turned a stride into a dilation). */
  stride: 1 | 2;
  /** Dilation of the depthwise conv (1 unless output-stride mode is active). */
  dilation: number;
  /** Identity shortcut: the table's stride is 1 and the channels match (the paper's rule). */
  residual: boolean;
  /** Total stride of the block's output in the undilated network. */
  reduction: number;
}

/** A point in the network whose output is a feature map, for pyramids and necks. */
export interface FeatureInfo {
  /** State-dict prefix of the module whose output this is, e.g. `features.13`. */
  module: string;
  /** Position in `features`. */
  index: number;
  channels: number;
  /** Actual stride of the map relative to the input (≤ `outputStride`). */
  stride: number;
  /** Stride the same map has in the undilated network (4, 8, 16, 32 for the paper's stem). */
  reduction: number;
}

/** Everything about a MobileNetV2's shape that follows from its config, without building it. */
export interface MobileNetV2Plan {
  stemChannels: number;
  stemStride: 1 | 2;
  blocks: BlockPlan[];
  /** Width of the last 1×1 conv and of the pooled features. */
  lastChannel: number;
  /** Total stride without dilation; also the smallest input side accepted. */
  reduction: number;
  /** Total stride of `features` after the output-stride rewrite. */
  outputStride: number;
  /** The last block at each of the four deepest strides (strides 4/8/16/32 for the paper's network). */
  pyramid: FeatureInfo[];
}

/**
 * Lay out the network from a validated config, exactly as torchvision's `MobileNetV2.__init__`
 * does, then apply the output-stride rewrite of TF-slim's `mobilenet_base` (the Mobile DeepLabv3
 * implementation): once the running stride reaches `outputStride`, each later stride becomes 1
 * and multiplies the dilation of the blocks *after* it (the block that gave up its stride keeps
 * the previous dilation).
 */
export function planMobileNetV2(config: MobileNetV2Config): MobileNetV2Plan {
  const { widthMult, roundNearest, outputStride } = config;
  let current = 1;
  let rate = 1;
  // Returns [stride, dilation] for an op of nominal stride `s`.
  const place = (s: 1 | 2): [1 | 2, number] => {
    if (current === outputStride) {
      const dilation = rate;
      rate *= s;
      return [1, dilation];
    }
    current *= s;
    return [s, 1];
  };

  const stemChannels = makeDivisible(STEM_CHANNELS * widthMult, roundNearest);
  const [stemStride] = place(config.stemStride);
  let reduction = config.stemStride;
  let inChannels = stemChannels;
  const blocks: BlockPlan[] = [];
  for (const [t, c, n, s] of config.invertedResidualSetting) {
    const outChannels = makeDivisible(c * widthMult, roundNearest);
    for (let i = 0; i < n; i++) {
      const nominal = i === 0 ? s : 1;
      const [stride, dilation] = place(nominal);
      reduction *= nominal;
      blocks.push({
        index: blocks.length + 1,
        inChannels,
        hiddenChannels: roundHalfEven(inChannels * t),
        outChannels,
        expandRatio: t,
        stride,
        dilation,
        residual: nominal === 1 && inChannels === outChannels,
        reduction,
      });
      inChannels = outChannels;
    }
  }

  // The last block at each reduction level; the deepest four form the pyramid.
  const levels = new Map<number, BlockPlan>();
  for (const b of blocks) levels.set(b.reduction, b);
  const pyramid = [...levels.values()].slice(-4).map((b) => ({
    module: `features.${b.index}`,
    index: b.index,
    channels: b.outChannels,
    stride: Math.min(b.reduction, outputStride),
    reduction: b.reduction,
  }));

  return {
    stemChannels,
    stemStride,
    blocks,
    lastChannel: makeDivisible(LAST_CHANNELS * Math.max(1, widthMult), roundNearest),
    reduction,
    outputStride: Math.min(reduction, outputStride),
    pyramid,
  };
}
