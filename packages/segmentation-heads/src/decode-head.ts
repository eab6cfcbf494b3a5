import { Conv2d, Dropout2d, Module, interpolate } from '@patchwork/layers';
import { ConfigError, ShapeError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { z } from 'zod';
import type { FeatureLevel } from './backbone.js';
import { crossEntropyLoss } from './loss.js';

const positiveInt = z.int().positive();

/**
 * Fields every decode head shares, named and defaulted as mmseg's `BaseDecodeHead` (camelCase),
 * plus the cross-entropy settings of its `loss_decode`. Heads extend this object and make it strict.
 */
export const decodeHeadShape = {
  /** Channels of the selected input(s): one number, or one per index of `inIndex`. */
  inChannels: z.union([positiveInt, z.array(positiveInt).min(1)]),
  /** Width inside the head, before `conv_seg`. */
  channels: positiveInt,
  numClasses: positiveInt,
  /** Channel dropout (`nn.Dropout2d`) before `conv_seg`; 0 = none. */
  dropoutRatio: z.number().min(0).lt(1).default(0.1),
  /** Which feature level(s) the head reads; negative counts from the deepest. */
  inIndex: z.union([z.int(), z.array(z.int()).min(1)]).default(-1),
  /** `resize_concat`: bilinear-resize the selected maps to the first one's size and concatenate; `multiple_select`: pass them as a list. */
  inputTransform: z.enum(['resize_concat', 'multiple_select']).nullable().default(null),
  ignoreIndex: z.int().default(255),
  /** mmseg's `loss_weight` (0.4 for the auxiliary FCN head of the UperNet recipe). */
  lossWeight: z.number().min(0).default(1),
  classWeight: z.array(z.number().min(0)).optional(),
  /** Average the loss over non-ignored pixels (mmseg's `avg_non_ignore=True`). */
  avgNonIgnore: z.boolean().default(true),
};

/** The validated fields of {@link decodeHeadShape}. */
export type DecodeHeadConfig = z.output<z.ZodObject<typeof decodeHeadShape>>;

/**
 * Cross-field checks of `BaseDecodeHead._init_inputs` for a head schema: a list of channels goes
 * with a list of indices of the same length and an input transform, one number with one index,
 * and the class weights have one entry per class.
 */
export function checkDecodeHead(c: DecodeHeadConfig, ctx: z.RefinementCtx, transform: DecodeHeadConfig['inputTransform'] = c.inputTransform): void {
  const issue = (path: string, message: string): void => void ctx.addIssue({ code: 'custom', path: [path], message });
  const listChannels = Array.isArray(c.inChannels);
  const listIndex = Array.isArray(c.inIndex);
  if (transform === null) {
    if (listChannels || listIndex) issue('inChannels', 'without inputTransform, inChannels and inIndex must be single numbers');
  } else if (!listChannels || !listIndex) {
    issue('inChannels', `with inputTransform '${transform}', inChannels and inIndex must be lists`);
  } else if ((c.inChannels as number[]).length !== (c.inIndex as number[]).length) {
    issue('inIndex', `inIndex has ${(c.inIndex as number[]).length} entries but inChannels has ${(c.inChannels as number[]).length}`);
  }
  if (c.classWeight !== undefined && c.classWeight.length !== c.numClasses) {
    issue('classWeight', `classWeight has ${c.classWeight.length} entries for numClasses ${c.numClasses}`);
  }
}

/** Options that are not part of a head's config. */
export interface HeadOptions {
  /** Seeds the weight init and the dropout masks (default: the global generator). */
  rng?: Rng;
}

/**
 * mmsegmentation's `BaseDecodeHead`: picks its input level(s) from the list of NHWC feature maps,
 * computes per-pixel logits at the resolution of its (first) input, ends in `dropout` (channel
 * dropout) → `conv_seg` (1×1 conv, init N(0, 0.01), bias 0), and computes its own loss as mmseg
 * does: logits bilinearly resized to the label size, then {@link crossEntropyLoss} × `lossWeight`.
 * Subclasses implement {@link forward}. Every method returns tensors the caller disposes.
 */
export abstract class DecodeHead extends Module {
  readonly config: DecodeHeadConfig;
  /** Total input channels after the input transform (the sum for `resize_concat`). */
  readonly totalInChannels: number;
  readonly dropout: Dropout2d | null;
  readonly convSeg: Conv2d;

  protected constructor(config: DecodeHeadConfig, rng: Rng = defaultRng()) {
    super();
    this.config = config;
    const channels = typeof config.inChannels === 'number' ? [config.inChannels] : config.inChannels;
    this.totalInChannels = config.inputTransform === 'resize_concat' ? channels.reduce((a, b) => a + b, 0) : channels.at(-1)!;
    // Registered before the subclass's modules, as in mmseg, so the state dicts list keys in the same order.
    this.convSeg = this.addModule('conv_seg', new Conv2d(config.channels, config.numClasses, 1, { rng }));
    tf.tidy(() => {
      this.convSeg.weight.assign(rng.normal(this.convSeg.weight.shape, 0, 0.01));
      this.convSeg.bias?.assign(tf.zerosLike(this.convSeg.bias));
    });
    this.dropout = config.dropoutRatio > 0 ? this.addModule('dropout', new Dropout2d(config.dropoutRatio, { rng })) : null;
  }

  get numClasses(): number {
    return this.config.numClasses;
  }

  /** Indices into the feature list this head reads, and the channels it expects there. */
  inputs(): { index: number; channels: number }[] {
    const { inIndex, inChannels } = this.config;
    const indices = typeof inIndex === 'number' ? [inIndex] : inIndex;
    const channels = typeof inChannels === 'number' ? [inChannels] : inChannels;
    return indices.map((index, i) => ({ index, channels: channels[i]! }));
  }

  /** Throw a {@link ConfigError} unless this head can read `levels` (indices in range, channels equal). */
  checkLevels(levels: readonly FeatureLevel[], name = this.constructor.name): void {
    const problems: string[] = [];
    for (const { index, channels } of this.inputs()) {
      const level = levels.at(index);
      if (level === undefined) {
        problems.push(`  - inIndex ${index} is out of range for ${levels.length} feature levels`);
      } else if (level.channels !== channels) {
        problems.push(`  - inIndex ${index} expects ${channels} channels but that level has ${level.channels} (stride ${level.stride})`);
      }
    }
    if (problems.length > 0) throw new ConfigError(`${name} does not fit the backbone's feature levels:\n${problems.join('\n')}`);
  }

  /** Per-pixel logits `[B, h, w, numClasses]` at the resolution of the head's (first) input. */
  abstract forward(features: readonly tf.Tensor[]): tf.Tensor4D;

  /** `dropout` → `conv_seg`: `[B, h, w, channels]` → `[B, h, w, numClasses]`. */
  clsSeg(feat: tf.Tensor): tf.Tensor4D {
    return tf.tidy(() => this.convSeg.forward(this.dropout === null ? feat : this.dropout.forward(feat)));
  }

  /**
   * mmseg `BaseDecodeHead.loss`: logits resized (bilinear) to the label size `[B, H, W]`, then
   * cross-entropy with this head's ignore index, class weights and averaging, × `lossWeight`.
   */
  loss(features: readonly tf.Tensor[], labels: tf.Tensor): tf.Scalar {
    const { ignoreIndex, classWeight, avgNonIgnore, lossWeight } = this.config;
    if (labels.rank !== 3) throw new ShapeError(`${this.constructor.name}.loss: expected labels [B, H, W], got [${labels.shape.join(', ')}]`);
    return tf.tidy(() => {
      const logits = interpolate(this.forward(features), [labels.shape[1]!, labels.shape[2]!]);
      return crossEntropyLoss(logits, labels, { ignoreIndex, classWeight, avgNonIgnore, lossWeight });
    });
  }

  /**
   * mmseg `_transform_inputs`: the selected map (no transform), the selected maps
   * (`multiple_select`), or the selected maps resized to the first one's size and concatenated
   * (`resize_concat`). Checks every selected map's channels.
   */
  protected transformInputs(features: readonly tf.Tensor[]): tf.Tensor4D[] {
    const picked = this.inputs().map(({ index, channels }) => {
      const x = features.at(index);
      if (x === undefined) throw new ShapeError(`${this.constructor.name}: inIndex ${index} is out of range for ${features.length} feature maps`);
      if (x.rank !== 4 || x.shape[3] !== channels) {
        throw new ShapeError(`${this.constructor.name}: feature map ${index} should be [B, h, w, ${channels}] (NHWC), got [${x.shape.join(', ')}]`);
      }
      return x as tf.Tensor4D;
    });
    if (this.config.inputTransform !== 'resize_concat') return picked;
    const [first] = picked as [tf.Tensor4D];
    const size: [number, number] = [first.shape[1], first.shape[2]];
    return [tf.tidy(() => tf.concat(picked.map((x) => interpolate(x, size)), 3))];
  }

  /** The single input of a head without `multiple_select`. */
  protected singleInput(features: readonly tf.Tensor[]): tf.Tensor4D {
    return this.transformInputs(features)[0]!;
  }
}
