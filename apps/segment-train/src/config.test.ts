import { ConfigError } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { argsToConfig, parseMaePretrainConfig, parseSegmentConfig } from './config.js';

describe('segment-train config', () => {
  it('parses CLI flags into a validated config with defaults', () => {
    const cfg = parseSegmentConfig(argsToConfig(['--model', 'mobilenetv2-deeplabv3', '--steps', '50', '--batch-size=4', '--no-augment', '--output-stride', '16', '--lr', '3e-4']));
    expect(cfg).toMatchObject({ model: 'mobilenetv2-deeplabv3', steps: 50, batchSize: 4, augment: false, outputStride: 16, lr: 3e-4, data: 'shapes', auxWeight: 0.4, testMode: 'whole' });
    const mae = parseMaePretrainConfig(argsToConfig(['--steps', '10', '--mask-ratio', '0.6']));
    expect(mae).toMatchObject({ steps: 10, maskRatio: 0.6, batchSize: 32, runDir: 'runs/mae', embedDim: 96 });
  });

  it('names unknown keys, bad values and inconsistent combinations', () => {
    expect(() => parseSegmentConfig({ stpes: 3 })).toThrow(ConfigError);
    expect(() => parseSegmentConfig({ stpes: 3 })).toThrow(/stpes/);
    expect(() => parseSegmentConfig({ model: 'unet' })).toThrow(/model/);
    expect(() => parseSegmentConfig({ steps: -1, lr: 'fast' })).toThrow(/steps[\s\S]*lr/);
    expect(() => parseSegmentConfig({ model: 'mobilenetv2-deeplabv3', pretrained: 'x.safetensors' })).toThrow(/ViT backbone only/);
    expect(() => parseSegmentConfig({ testMode: 'slide' })).toThrow(/needs crop and stride/);
    expect(() => parseSegmentConfig({ imageSize: 60 })).toThrow(/multiple of patchSize \(8\)/);
    expect(() => parseMaePretrainConfig({ maskRatio: 1 })).toThrow(/maskRatio/);
    expect(() => parseMaePretrainConfig({ model: 'vit-upernet' })).toThrow(/Unrecognized key/);
    expect(() => argsToConfig(['steps'])).toThrow(/unexpected argument 'steps'/);
    expect(() => parseSegmentConfig({ fashionSource: 'debian' })).toThrow(/fashionSource picks the items of --data fashion-mosaic; --data is 'shapes'/);
    expect(() => parseMaePretrainConfig({ data: 'shapes', fashionSource: 'debian' })).toThrow(/fashionSource/);
    expect(parseMaePretrainConfig({ data: 'fashion-mosaic', fashionSource: 'debian' }).fashionSource).toBe('debian');
  });
});
