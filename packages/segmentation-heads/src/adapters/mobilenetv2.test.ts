import { AdamW, trainStep } from '@patchwork/layers';
import { createMobileNetV2 } from '@patchwork/mobilenetv2';
import { Rng, tf } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { mobileDeepLabV3Head } from '../aspp-head.js';
import { FCNHead } from '../fcn-head.js';
import { SegmentationModel } from '../segmentation-model.js';
import { mobileNetV2Backbone } from './mobilenetv2.js';

describe('mobileNetV2Backbone', () => {
  it('exposes the four-level pyramid (output stride 8 keeps strides 4/8/8/8 by dilation) as NHWC maps', () => {
    const backbone = mobileNetV2Backbone(createMobileNetV2('mobilenet_v2_0.35', { outputStride: 8 }, { rng: new Rng(0) }));
    expect(backbone.levels).toEqual([
      { channels: 8, stride: 4 },
      { channels: 16, stride: 8 },
      { channels: 32, stride: 8 },
      { channels: 112, stride: 8 },
    ]);
    const x = tf.randomNormal([2, 48, 40, 3]);
    const maps = backbone.forwardFeatures(x);
    expect(maps.map((m) => m.shape)).toEqual([
      [2, 12, 10, 8],
      [2, 6, 5, 16],
      [2, 6, 5, 32],
      [2, 6, 5, 112],
    ]);
    tf.dispose([x, ...maps]);
    backbone.module.dispose();
  });

  it('Mobile DeepLabv3 on it: torchvision keys under backbone.features, no classifier, trains end to end, and disposal frees the whole MobileNetV2', () => {
    const before = tf.memory().numTensors;
    const rng = new Rng(1);
    const backbone = mobileNetV2Backbone(createMobileNetV2('mobilenet_v2_0.35', { outputStride: 16 }, { rng }));
    const model = new SegmentationModel({
      backbone,
      decodeHead: mobileDeepLabV3Head({ inChannels: 112, channels: 32, numClasses: 3, dropoutRatio: 0 }, { rng }),
      auxiliaryHead: new FCNHead({ inChannels: 16, inIndex: 1, channels: 8, numConvs: 1, concatInput: false, numClasses: 3, lossWeight: 0.4 }, { rng }),
    });
    const keys = model.namedParameters().map(([k]) => k);
    expect(keys[0]).toBe('backbone.features.0.0.weight');
    expect(keys.some((k) => k.includes('classifier'))).toBe(false);
    expect(model.levels.map((l) => l.stride)).toEqual([4, 8, 16, 16]);

    const images = tf.randomNormal([2, 32, 32, 3]);
    const labels = tf.tensor3d(Int32Array.from({ length: 2 * 32 * 32 }, (_, i) => i % 3), [2, 32, 32], 'int32');
    const stem = model.namedParameters().find(([k]) => k === 'backbone.features.0.0.weight')![1].variable;
    const stemBefore = stem.dataSync().slice();
    const optimizer = new AdamW(model, { lr: 1e-3 });
    trainStep({ module: model, optimizer, lossFn: () => model.loss(images, labels) });
    expect(stem.dataSync().some((v, i) => v !== stemBefore[i])).toBe(true);
    const logits = model.eval().forward(images);
    expect(logits.shape).toEqual([2, 2, 2, 3]); // output stride 16 on 32 px
    tf.dispose([images, labels, logits]);
    optimizer.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
