import type { Module } from '@patchwork/layers';
import type { tf } from '@patchwork/tensor-core';

/** One feature map a backbone (or neck) produces: its width and its stride relative to the input. */
export interface FeatureLevel {
  readonly channels: number;
  readonly stride: number;
}

/**
 * What a segmentation model needs from a feature extractor: multi-level NHWC maps with known
 * channels and strides. This package depends only on this interface; adapters such as
 * {@link mobileNetV2Backbone} and {@link vitBackbone} wrap concrete models structurally.
 */
export interface Backbone {
  /**
   * The module that owns the backbone's parameters. {@link SegmentationModel} registers it as
   * `backbone`, so its state-dict keys read `backbone.<name>`, and switches its train/eval mode.
   */
  readonly module: Module;
  /** Channels and stride of each map {@link forwardFeatures} returns, in the same order (shallow to deep). */
  readonly levels: readonly FeatureLevel[];
  /** NHWC images `[B, H, W, C]` → one NHWC map per level; the caller disposes them. */
  forwardFeatures(images: tf.Tensor): tf.Tensor4D[];
}

/**
 * A module between backbone and heads that maps the list of feature maps to another list
 * (mmseg's `neck`, e.g. {@link Feature2Pyramid} turning four ViT maps into a pyramid).
 */
export interface Neck extends Module {
  /** The levels this neck outputs for `input` levels; throws if it cannot take them. */
  outputLevels(input: readonly FeatureLevel[]): FeatureLevel[];
  /** Feature maps → feature maps; the inputs are not disposed, the outputs are the caller's. */
  forward(features: readonly tf.Tensor[]): tf.Tensor4D[];
}
