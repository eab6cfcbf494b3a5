import { Module } from '@patchwork/layers';
import type { tf } from '@patchwork/tensor-core';
import type { Backbone, FeatureLevel } from '../backbone.js';

/**
 * What {@link mobileNetV2Backbone} needs from a MobileNetV2 (`@patchwork/mobilenetv2`'s class has
 * it): the `features` module, the planned pyramid and `forwardPyramid`. Typed structurally so
 * this package does not depend on the model package.
 */
export interface MobileNetV2Like extends Module {
  readonly features: Module;
  readonly plan: { readonly pyramid: readonly FeatureLevel[] };
  forwardPyramid(x: tf.Tensor): readonly { readonly map: tf.Tensor4D }[];
}

/** Owns a MobileNetV2's `features` (state-dict keys `features.*`, torchvision's) and, for disposal, the whole model. */
class MobileNetV2Features extends Module {
  constructor(private readonly model: MobileNetV2Like) {
    super();
    this.addModule('features', model.features);
  }

  /** Frees the whole wrapped model, including the classifier the segmentation model never uses. */
  override dispose(): void {
    this.model.dispose();
    super.dispose();
  }
}

/**
 * A MobileNetV2 as a segmentation {@link Backbone}: the last block output at each of the four
 * deepest strides (4/8/16/32 for the paper's network; with `outputStride: 16` or `8` the deeper
 * maps keep that stride through dilation, as Mobile DeepLabv3 does). Parameters appear as
 * `backbone.features.*`; the classifier is left out of the segmentation model and freed with it.
 *
 * @example
 * const backbone = mobileNetV2Backbone(createMobileNetV2('mobilenet_v2_1.0', { outputStride: 16 }));
 */
export function mobileNetV2Backbone(model: MobileNetV2Like): Backbone {
  const levels = model.plan.pyramid.map(({ channels, stride }) => ({ channels, stride }));
  return {
    module: new MobileNetV2Features(model),
    levels,
    forwardFeatures: (images) => model.forwardPyramid(images).map((level) => level.map),
  };
}
