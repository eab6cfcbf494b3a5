import { Module, interpolate } from '@patchwork/layers';
import type { Pair } from '@patchwork/layers';
import { ConfigError, PatchworkError, ShapeError, tf } from '@patchwork/tensor-core';
import type { Backbone, FeatureLevel, Neck } from './backbone.js';
import type { DecodeHead } from './decode-head.js';

/** The parts of a {@link SegmentationModel}, as mmseg's `EncoderDecoder` takes them. */
export interface SegmentationModelParts {
  backbone: Backbone;
  /** Between backbone and heads, e.g. {@link Feature2Pyramid} for a ViT. */
  neck?: Neck;
  decodeHead: DecodeHead;
  /** Deep supervision during training only (e.g. an FCN head with `lossWeight: 0.4`); not used for inference. */
  auxiliaryHead?: DecodeHead;
}

/** Options of {@link SegmentationModel.inference} and {@link SegmentationModel.predict}. */
export interface InferenceOptions {
  /** `whole`: one pass over the image; `slide`: overlapping `crop` windows every `stride`, logits averaged (mmseg's test_cfg). */
  mode?: 'whole' | 'slide';
  /** Window size for `slide` (mmseg's `crop_size`). */
  crop?: Pair;
  /** Window step for `slide` (e.g. 341 for 512 crops in the MAE recipe). */
  stride?: Pair;
  /** Resize the logits to this `[H, W]` (the image's size before any test-time resize); default the input size. */
  outputSize?: Pair;
}

/**
 * Semantic segmentation model in mmsegmentation's `EncoderDecoder` form: `backbone` → optional
 * `neck` → `decode_head` (+ `auxiliary_head` for training). Those are also the state-dict
 * prefixes. The construction checks that every head can read the feature levels it points at
 * and that the heads agree on the number of classes.
 *
 * Images are NHWC float `[B, H, W, C]`; labels int32 `[B, H, W]` with 255 (or the head's
 * `ignoreIndex`) for unlabelled pixels. Every method returns tensors the caller disposes; a
 * training-mode forward also updates BatchNorm statistics.
 */
export class SegmentationModel extends Module {
  readonly backbone: Backbone;
  readonly neck: Neck | null;
  readonly decodeHead: DecodeHead;
  readonly auxiliaryHead: DecodeHead | null;
  /** The levels the heads see (after the neck). */
  readonly levels: readonly FeatureLevel[];

  constructor({ backbone, neck, decodeHead, auxiliaryHead }: SegmentationModelParts) {
    super();
    this.levels = neck === undefined ? backbone.levels : neck.outputLevels(backbone.levels);
    decodeHead.checkLevels(this.levels, 'decode_head');
    auxiliaryHead?.checkLevels(this.levels, 'auxiliary_head');
    if (auxiliaryHead !== undefined && auxiliaryHead.numClasses !== decodeHead.numClasses) {
      throw new ConfigError(`auxiliary_head predicts ${auxiliaryHead.numClasses} classes but decode_head ${decodeHead.numClasses}; they must agree`);
    }
    this.backbone = backbone;
    this.addModule('backbone', backbone.module);
    this.neck = neck === undefined ? null : this.addModule('neck', neck);
    this.decodeHead = this.addModule('decode_head', decodeHead);
    this.auxiliaryHead = auxiliaryHead === undefined ? null : this.addModule('auxiliary_head', auxiliaryHead);
  }

  get numClasses(): number {
    return this.decodeHead.numClasses;
  }

  /** Backbone (and neck) features, one NHWC map per level. */
  extractFeatures(images: tf.Tensor): tf.Tensor4D[] {
    this.checkImages(images, 'extractFeatures');
    return tf.tidy(() => {
      const features = this.backbone.forwardFeatures(images);
      return this.neck === null ? features : this.neck.forward(features);
    });
  }

  /** The decode head's logits `[B, h, w, K]` at its own resolution (mmseg's `_forward`). */
  forward(images: tf.Tensor): tf.Tensor4D {
    return tf.tidy(() => this.decodeHead.forward(this.extractFeatures(images)));
  }

  /** Logits bilinearly resized to the image size `[B, H, W, K]` (mmseg's `encode_decode`). */
  encodeDecode(images: tf.Tensor): tf.Tensor4D {
    return tf.tidy(() => interpolate(this.forward(images), [images.shape[1]!, images.shape[2]!]));
  }

  /**
   * The training loss: the decode head's cross-entropy plus the auxiliary head's (each already
   * scaled by its `lossWeight`), on one shared backbone pass. `labels` must be `[B, H, W]` for
   * `[B, H, W, C]` images.
   */
  loss(images: tf.Tensor, labels: tf.Tensor): tf.Scalar {
    this.checkImages(images, 'loss');
    const [b, h, w] = images.shape as [number, number, number, number];
    if (labels.rank !== 3 || labels.shape[0] !== b || labels.shape[1] !== h || labels.shape[2] !== w) {
      throw new ShapeError(`SegmentationModel.loss: labels [${labels.shape.join(', ')}] do not match images [${images.shape.join(', ')}]; expected [${b}, ${h}, ${w}]`);
    }
    return tf.tidy(() => {
      const features = this.extractFeatures(images);
      const decode = this.decodeHead.loss(features, labels);
      return this.auxiliaryHead === null ? decode : (tf.add(decode, this.auxiliaryHead.loss(features, labels)) as tf.Scalar);
    });
  }

  /**
   * Logits `[B, H', W', K]` for inference (mmseg's `inference` before the softmax): whole-image
   * or sliding-window, then resized to `outputSize` (default the input size). Run it in eval mode.
   */
  inference(images: tf.Tensor, { mode = 'whole', crop, stride, outputSize }: InferenceOptions = {}): tf.Tensor4D {
    this.checkImages(images, 'inference');
    const [, h, w] = images.shape as [number, number, number, number];
    let windows: Window[] | null = null;
    if (mode === 'slide') {
      if (crop === undefined || stride === undefined) throw new PatchworkError('E_ARGUMENT', "SegmentationModel.inference: mode 'slide' needs crop and stride");
      windows = slideWindows(h, w, toPair(crop, 'crop'), toPair(stride, 'stride'));
    } else if (mode !== 'whole') {
      throw new PatchworkError('E_ARGUMENT', `SegmentationModel.inference: mode must be 'whole' or 'slide', got '${String(mode)}'`);
    }
    const out = outputSize === undefined ? null : toPair(outputSize, 'outputSize');
    return tf.tidy(() => {
      const logits = windows === null ? this.encodeDecode(images) : this.slideInference(images, windows);
      return out === null ? logits : interpolate(logits, out);
    });
  }

  /** Class index per pixel `[B, H', W']` (int32): the argmax of {@link inference}. */
  predict(images: tf.Tensor, options: InferenceOptions = {}): tf.Tensor3D {
    return tf.tidy(() => tf.argMax(this.inference(images, options), 3) as tf.Tensor3D);
  }

  /** mmseg `slide_inference`: sum each window's image-size logits into place, divide by the per-pixel window count. */
  private slideInference(images: tf.Tensor, windows: Window[]): tf.Tensor4D {
    const [b, h, w, c] = images.shape as [number, number, number, number];
    const count = new Float32Array(h * w);
    let sum: tf.Tensor4D | null = null;
    try {
      for (const { y1, y2, x1, x2 } of windows) {
        const placed = tf.tidy(() => {
          const logits = this.encodeDecode(tf.slice(images, [0, y1, x1, 0], [b, y2 - y1, x2 - x1, c])); // [B, y2 − y1, x2 − x1, K]
          return tf.pad(logits, [[0, 0], [y1, h - y2], [x1, w - x2], [0, 0]]); // [B, H, W, K], zero outside the window
        });
        const previous: tf.Tensor4D | null = sum;
        sum = previous === null ? placed : (tf.add(previous, placed) as tf.Tensor4D);
        if (previous !== null) tf.dispose([previous, placed]);
        for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) count[y * w + x]!++;
      }
      const total = sum!;
      return tf.tidy(() => tf.div(total, tf.tensor4d(count, [1, h, w, 1])));
    } finally {
      sum?.dispose();
    }
  }

  private checkImages(images: tf.Tensor, where: string): void {
    if (images.rank !== 4) throw new ShapeError(`SegmentationModel.${where}: expected NHWC images [B, H, W, C], got [${images.shape.join(', ')}]`);
  }
}

interface Window {
  y1: number;
  y2: number;
  x1: number;
  x2: number;
}

/** mmseg's window grid: ⌈(size − crop)/stride⌉ + 1 steps per axis, the last window flush with the border, crops clipped to small images. */
function slideWindows(h: number, w: number, [hCrop, wCrop]: [number, number], [hStride, wStride]: [number, number]): Window[] {
  const hGrids = Math.floor(Math.max(h - hCrop + hStride - 1, 0) / hStride) + 1;
  const wGrids = Math.floor(Math.max(w - wCrop + wStride - 1, 0) / wStride) + 1;
  const out: Window[] = [];
  for (let i = 0; i < hGrids; i++) {
    for (let j = 0; j < wGrids; j++) {
      const y2 = Math.min(i * hStride + hCrop, h);
      const x2 = Math.min(j * wStride + wCrop, w);
      out.push({ y1: Math.max(y2 - hCrop, 0), y2, x1: Math.max(x2 - wCrop, 0), x2 });
    }
  }
  return out;
}

function toPair(v: Pair, name: string): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((n) => Number.isInteger(n) && n >= 1)) throw new PatchworkError('E_ARGUMENT', `SegmentationModel.inference: ${name} must be a positive integer or pair, got ${JSON.stringify(v)}`);
  return p;
}
