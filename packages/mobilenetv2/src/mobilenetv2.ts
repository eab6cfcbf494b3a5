import { Dropout, Linear, Module, ModuleList, countMacs } from '@patchwork/layers';
import type { Layer, MacCount } from '@patchwork/layers';
import { PatchworkError, ShapeError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { planMobileNetV2 } from './architecture.js';
import type { FeatureInfo, MobileNetV2Plan } from './architecture.js';
import { parseMobileNetV2Config } from './config.js';
import type { MobileNetV2Config, MobileNetV2ConfigInput } from './config.js';
import { ConvBNReLU6, InvertedResidual, runSequential } from './inverted-residual.js';
import { MOBILENETV2_PRESETS } from './presets.js';
import type { MobileNetV2Preset, MobileNetV2PresetName } from './presets.js';

/** Options for {@link MobileNetV2}'s constructor. */
export interface MobileNetV2Options {
  /** Seeds the weight init and the classifier dropout (default: the global {@link defaultRng}). */
  rng?: Rng;
}

/** One map of {@link MobileNetV2.forwardPyramid}: where it comes from, its stride and the NHWC tensor. */
export interface PyramidLevel extends FeatureInfo {
  /** `[B, ⌈H/stride⌉, ⌈W/stride⌉, channels]`; owned by the caller. */
  map: tf.Tensor4D;
}

/**
 * MobileNetV2 (Sandler et al., "Inverted Residuals and Linear Bottlenecks", 2018), built exactly
 * as torchvision's `mobilenet_v2`: `features` = stem conv 3×3/2 → 17 inverted residuals (the
 * `[t, c, n, s]` table) → 1×1 conv to 1280; then global average pool → `classifier` = Dropout →
 * Linear. The state dict has torchvision's names and layouts (`features.3.conv.1.0.weight`,
 * `classifier.1.weight`, BN running stats), so torchvision checkpoints load as they are.
 *
 * Activations are NHWC (`[B, H, W, C]`); any input side ≥ the total stride (32, or 16 with
 * `stemStride: 1`) works. Weights start as torchvision initialises them: conv kaiming-normal
 * (fan_out), BN γ = 1, β = 0, classifier N(0, 0.01) with zero bias. Like a PyTorch module it
 * starts in training mode; call `eval()` for inference. Every forward returns tensors the caller
 * disposes; a training-mode forward also updates the BN running statistics.
 */
export class MobileNetV2 extends Module {
  readonly config: MobileNetV2Config;
  /** Channels, strides and dilations of every block. */
  readonly plan: MobileNetV2Plan;
  /** torchvision's `features` (`nn.Sequential`): stem, inverted residuals, last 1×1 conv. */
  readonly features: ModuleList<Layer>;
  /** torchvision's `classifier`: `0` Dropout, `1` Linear. */
  readonly classifier: ModuleList<Layer>;

  constructor(config: MobileNetV2ConfigInput = {}, { rng = defaultRng() }: MobileNetV2Options = {}) {
    super();
    this.config = parseMobileNetV2Config(config);
    const plan = planMobileNetV2(this.config);
    this.plan = plan;
    const lastBlockChannels = plan.blocks.at(-1)?.outChannels ?? plan.stemChannels;
    this.features = this.addModule(
      'features',
      new ModuleList<Layer>([
        new ConvBNReLU6(this.config.inChans, plan.stemChannels, 3, { stride: plan.stemStride, rng }),
        ...plan.blocks.map((b) => new InvertedResidual(b, rng)),
        new ConvBNReLU6(lastBlockChannels, plan.lastChannel, 1, { rng }),
      ]),
    );
    const fc = new Linear(plan.lastChannel, this.config.numClasses, { rng });
    tf.tidy(() => {
      fc.weight.assign(rng.normal(fc.weight.shape, 0, 0.01));
      fc.bias?.assign(tf.zeros(fc.bias.shape));
    });
    this.classifier = this.addModule('classifier', new ModuleList<Layer>([new Dropout(this.config.dropout, { rng }), fc]));
  }

  /** Width of `features` and of the pooled vector the classifier sees. */
  get numFeatures(): number {
    return this.plan.lastChannel;
  }

  /** Stride of {@link forwardFeatures}'s map (32, or `outputStride` in dilated mode). */
  get featureStride(): number {
    return this.plan.outputStride;
  }

  /** `x`: images `[B, H, W, inChans]` → logits `[B, numClasses]` (torchvision's `model(x)`). */
  forward(x: tf.Tensor): tf.Tensor2D {
    this.checkImages(x, 'forward');
    return tf.tidy(() => this.forwardHead(runSequential(this.features, x)));
  }

  /** `x`: images `[B, H, W, inChans]` → `features(x)`: `[B, ⌈H/s⌉, ⌈W/s⌉, numFeatures]`, s = {@link featureStride}. */
  forwardFeatures(x: tf.Tensor): tf.Tensor4D {
    this.checkImages(x, 'forwardFeatures');
    return tf.tidy(() => runSequential(this.features, x) as tf.Tensor4D);
  }

  /**
   * `features` `[B, h, w, numFeatures]` → global average pool → `[B, numFeatures]` with
   * `preLogits`, else → Dropout → Linear → logits `[B, numClasses]`.
   */
  forwardHead(features: tf.Tensor, { preLogits = false }: { preLogits?: boolean } = {}): tf.Tensor2D {
    if (features.rank !== 4 || features.shape[3] !== this.numFeatures) {
      throw new ShapeError(`MobileNetV2.forwardHead: expected features [B, h, w, ${this.numFeatures}], got [${features.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      // adaptive_avg_pool2d(·, 1) + flatten.
      const pooled = tf.mean(features, [1, 2]) as tf.Tensor2D;
      return preLogits ? pooled : (runSequential(this.classifier, pooled) as tf.Tensor2D);
    });
  }

  /**
   * The last block output at each of the four deepest strides, shallow to deep: strides 4/8/16/32
   * with channels 24/32/96/320 (× width) for the paper's network, as detection and segmentation
   * necks consume them; in output-stride mode the deeper maps keep stride `outputStride`. Stops
   * after the deepest level (the last 1×1 conv is not run). The caller disposes every `map`.
   */
  forwardPyramid(x: tf.Tensor): PyramidLevel[] {
    this.checkImages(x, 'forwardPyramid');
    const levels = this.plan.pyramid;
    const maps = tf.tidy(() => {
      const out: tf.Tensor4D[] = [];
      let y: tf.Tensor = x;
      const last = levels.at(-1)?.index ?? -1;
      for (let i = 0; i <= last; i++) {
        y = this.features.at(i).forward(y);
        if (levels.some((l) => l.index === i)) out.push(y as tf.Tensor4D);
      }
      return out;
    });
    return levels.map((info, i) => ({ ...info, map: maps[i]! }));
  }

  /**
   * Multiply-accumulates of one forward pass of a single `height`×`width` image, counted by
   * `@patchwork/layers`' `countMacs` from the kernels that actually run: convolutions (dense,
   * depthwise) and the classifier's matmul; BN, ReLU6, residual adds and pooling are free, as
   * in the paper's "multiply-adds". (Dilated layers run as zero-filled dense kernels and are
   * counted with those zeros.) Runs in eval mode, so BN statistics are untouched; the mode is
   * restored afterwards.
   */
  async countMacs(height: number, width: number = height): Promise<MacCount> {
    const x = tf.zeros([1, height, width, this.config.inChans]);
    const wasTraining = this.training;
    this.eval();
    try {
      return await countMacs(() => this.forward(x));
    } finally {
      this.train(wasTraining);
      x.dispose();
    }
  }

  /** Input validation up front, so mistakes surface as one clear error rather than deep inside a conv. */
  private checkImages(x: tf.Tensor, fn: string): void {
    const c = this.config.inChans;
    if (x.rank !== 4 || x.shape[3] !== c) {
      const hint = x.rank === 4 && x.shape[1] === c ? ' (NCHW? convert with nchwToNhwc)' : '';
      throw new ShapeError(`MobileNetV2.${fn}: expected NHWC images [B, H, W, ${c}], got [${x.shape.join(', ')}]${hint}`);
    }
    const min = this.plan.reduction;
    const [, h, w] = x.shape as [number, number, number, number];
    if (h < min || w < min) {
      const hint = this.config.stemStride === 2 ? `; for smaller images use stemStride: 1 (minimum ${min / 2})` : '';
      throw new ShapeError(`MobileNetV2.${fn}: input ${h}×${w} is smaller than the network's total stride ${min}; use at least ${min}×${min}${hint}`);
    }
  }
}

/**
 * Build a named preset (see {@link MOBILENETV2_PRESETS}), optionally overriding config fields,
 * e.g. `createMobileNetV2('mobilenet_v2_0.5', { numClasses: 10, inChans: 1, stemStride: 1 })`.
 */
export function createMobileNetV2(name: MobileNetV2PresetName, overrides: MobileNetV2ConfigInput = {}, options: MobileNetV2Options = {}): MobileNetV2 {
  const preset = (MOBILENETV2_PRESETS as Record<string, MobileNetV2Preset>)[name];
  if (preset === undefined) {
    throw new PatchworkError('E_ARGUMENT', `unknown MobileNetV2 preset '${name}'; known: ${Object.keys(MOBILENETV2_PRESETS).join(', ')}`);
  }
  return new MobileNetV2({ ...preset.config, ...overrides }, options);
}
