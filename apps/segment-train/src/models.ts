import { AdamW, layerDecayGroups, weightDecayGroups } from '@patchwork/layers';
import { loadMaeEncoder } from '@patchwork/mae';
import { createMobileNetV2 } from '@patchwork/mobilenetv2';
import { FCNHead, Feature2Pyramid, SegmentationModel, UPerHead, mobileDeepLabV3Head, mobileNetV2Backbone, segmentationLayerId, vitBackbone } from '@patchwork/segmentation-heads';
import { Rng, tf } from '@patchwork/tensor-core';
import { loadSafetensorsFile } from '@patchwork/tensor-core/node';
import { VisionTransformer } from '@patchwork/vit';
import type { SegmentConfig } from './config.js';

/** A built model, the identity stored in its checkpoints, and its optimizer. */
export interface BuiltSegmenter {
  model: SegmentationModel;
  /** Everything that fixes the architecture (and the initial weights' source), for checkpoint identity. */
  config: Record<string, unknown>;
  optimizer: AdamW;
}

/**
 * Build the configured model for `numClasses` classes and its AdamW optimizer:
 *
 * - `vit-upernet`: the MAE/BEiT recipe scaled down — ViT (no head, no final norm, stochastic
 *   depth) → its blocks at 4/12, 6/12, 8/12, 12/12 of the depth → `Feature2Pyramid` (strides
 *   4/8/16/32) → UperNet, plus an FCN auxiliary head on the stride-16 level; AdamW with
 *   layer-wise learning-rate decay over the blocks. `pretrained` loads MAE encoder weights.
 * - `mobilenetv2-deeplabv3`: MobileNetV2 at output stride 8/16 (dilated) → Mobile DeepLabv3
 *   (image pooling + 1×1 branch, 1×1 projection) on the deepest level, FCN auxiliary head on the
 *   stride-8 level; AdamW with the usual no-decay groups.
 */
export function buildSegmenter(cfg: SegmentConfig, numClasses: number, inChannels = 3): BuiltSegmenter {
  const rng = new Rng(cfg.seed);
  const ch = cfg.headChannels;
  const aux = (inChannels_: number, inIndex: number): FCNHead | undefined =>
    cfg.auxWeight > 0 ? new FCNHead({ inChannels: inChannels_, inIndex, channels: ch / 2, numConvs: 1, concatInput: false, numClasses, lossWeight: cfg.auxWeight }, { rng }) : undefined;

  if (cfg.model === 'vit-upernet') {
    const { imageSize, patchSize, embedDim, depth, numHeads, dropPathRate } = cfg;
    // dynamicImgSize lets sliding-window crops of another size through (the position embedding is resampled).
    const vitConfig = { imgSize: imageSize, patchSize, inChans: inChannels, embedDim, depth, numHeads, numClasses: 0, finalNorm: false, dropPathRate, dynamicImgSize: true };
    const vit = new VisionTransformer(vitConfig, { rng });
    if (cfg.pretrained !== undefined) {
      const { tensors } = loadSafetensorsFile(cfg.pretrained);
      try {
        loadMaeEncoder(vit, tensors, { initHead: false });
      } finally {
        tf.dispose(Object.values(tensors));
      }
    }
    const model = new SegmentationModel({
      backbone: vitBackbone(vit),
      // Output strides 4/8/16/32 whatever the patch: ×4…×½ of stride 16, or ×2…×¼ of stride 8.
      neck: new Feature2Pyramid({ embedDim, rescales: patchSize === 16 ? [4, 2, 1, 0.5] : [2, 1, 0.5, 0.25] }, { rng }),
      decodeHead: new UPerHead({ inChannels: [embedDim, embedDim, embedDim, embedDim], channels: ch, numClasses, poolScales: [1, 2, 3, 6] }, { rng }),
      auxiliaryHead: aux(embedDim, 2),
    });
    const groups = layerDecayGroups(model, { weightDecay: cfg.weightDecay, layerDecay: cfg.layerDecay, numLayers: depth, noWeightDecay: ['backbone.pos_embed', 'backbone.cls_token'], layerId: segmentationLayerId(depth) });
    return {
      model,
      config: { model: cfg.model, vit: vitConfig, headChannels: ch, auxWeight: cfg.auxWeight, numClasses, pretrained: cfg.pretrained ?? null },
      optimizer: new AdamW(groups, { lr: cfg.lr, weightDecay: cfg.weightDecay }),
    };
  }

  const mobilenetConfig = { inChans: inChannels, outputStride: cfg.outputStride, stemStride: cfg.stemStride };
  const backbone = mobileNetV2Backbone(createMobileNetV2(cfg.mobilenet, mobilenetConfig, { rng }));
  const [, level8, , deepest] = backbone.levels as [unknown, { channels: number }, unknown, { channels: number }];
  const model = new SegmentationModel({
    backbone,
    decodeHead: mobileDeepLabV3Head({ inChannels: deepest.channels, inIndex: 3, channels: ch, numClasses }, { rng }),
    auxiliaryHead: aux(level8.channels, 1),
  });
  return {
    model,
    config: { model: cfg.model, preset: cfg.mobilenet, ...mobilenetConfig, headChannels: ch, auxWeight: cfg.auxWeight, numClasses },
    optimizer: new AdamW(weightDecayGroups(model, { weightDecay: cfg.weightDecay }), { lr: cfg.lr, weightDecay: cfg.weightDecay }),
  };
}
