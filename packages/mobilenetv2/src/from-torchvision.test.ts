import { ConfigError } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { PAPER_INVERTED_RESIDUAL_SETTING, parseMobileNetV2Config } from './config.js';
import { fromTorchvisionConfig } from './from-torchvision.js';

describe('fromTorchvisionConfig', () => {
  it('maps the fixture constructors and fills torchvision defaults', () => {
    expect(fromTorchvisionConfig({ width_mult: 0.5, num_classes: 10 })).toEqual({
      numClasses: 10,
      widthMult: 0.5,
      invertedResidualSetting: PAPER_INVERTED_RESIDUAL_SETTING,
      roundNearest: 8,
      dropout: 0.2,
      inChans: 3,
      stemStride: 2,
      outputStride: 32,
    });
    expect(fromTorchvisionConfig({ width_mult: 0.35, num_classes: 10, dropout: 0.0 })).toMatchObject({ widthMult: 0.35, dropout: 0 });
    expect(fromTorchvisionConfig({})).toEqual(parseMobileNetV2Config({}));
  });

  it('accepts every JSON-expressible torchvision argument, and Patchwork extras', () => {
    const setting = [[1, 16, 1, 1], [2.5, 24, 2, 2], [6, 40, 1, 2]];
    const cfg = fromTorchvisionConfig(
      { num_classes: 3, width_mult: 1.3, inverted_residual_setting: setting, round_nearest: 4, dropout: 0.5, block: null, norm_layer: null, weights: null, pretrained: false, progress: false },
      { inChans: 1, stemStride: 1, outputStride: 16 },
    );
    expect(cfg).toEqual({ numClasses: 3, widthMult: 1.3, invertedResidualSetting: setting, roundNearest: 4, dropout: 0.5, inChans: 1, stemStride: 1, outputStride: 16 });
    expect(fromTorchvisionConfig({ inverted_residual_setting: null }).invertedResidualSetting).toEqual(PAPER_INVERTED_RESIDUAL_SETTING);
  });

  it('rejects unknown arguments, callables, pretrained weights and settings torchvision would reject', () => {
    expect(() => fromTorchvisionConfig({ width_mult: 1, widht_mult: 0.5 })).toThrow(ConfigError);
    expect(() => fromTorchvisionConfig({ width_mult: 1, widht_mult: 0.5 })).toThrow(/widht_mult/);
    expect(() => fromTorchvisionConfig({ norm_layer: 'FrozenBatchNorm2d' })).toThrow(/norm_layer \(Python callables\) are not supported/);
    expect(() => fromTorchvisionConfig({ weights: 'IMAGENET1K_V1' })).toThrow(/weights/);
    expect(() => fromTorchvisionConfig({ pretrained: true })).toThrow(/pretrained/);
    expect(() => fromTorchvisionConfig({ inverted_residual_setting: [] })).toThrow(/invertedResidualSetting/);
    expect(() => fromTorchvisionConfig({ inverted_residual_setting: [[6, 24, 2]] })).toThrow(/invertedResidualSetting\.0/);
    expect(() => fromTorchvisionConfig({ inverted_residual_setting: [[6, 24, 2, 3]] })).toThrow(/invertedResidualSetting\.0\.3/);
    expect(() => fromTorchvisionConfig({ num_classes: 0, width_mult: 0 })).toThrow(/num_classes[\s\S]*width_mult/);
    expect(() => fromTorchvisionConfig('mobilenet_v2')).toThrow(ConfigError);
  });
});
