import { describe, expect, it } from 'vitest';
import { argsToConfig, parseMaePretrainConfig } from './config.js';

describe('mae-pretrain config', () => {
  it('parses flags into a validated config with defaults', () => {
    const cfg = parseMaePretrainConfig(argsToConfig(['--steps', '50', '--batch-size=32', '--no-norm-pix-loss', '--run-dir', 'x', '--mask-ratio', '0.6', '--warmup', '5', '--probe-images', '500']));
    expect(cfg).toMatchObject({ steps: 50, batchSize: 32, normPixLoss: false, runDir: 'x', maskRatio: 0.6, warmup: 5, probeImages: 500, preset: 'mae_vit_micro_patch4_28', resume: true });
  });

  it('names unknown keys, unknown flags and bad values', () => {
    expect(() => parseMaePretrainConfig({ stpes: 3 })).toThrow(/stpes/);
    expect(() => parseMaePretrainConfig({ steps: 10, warmup: 10, maskRatio: 1 })).toThrow(/maskRatio[\s\S]*warmup \(10\) must be shorter than steps \(10\)/);
    expect(() => argsToConfig(['--stpes', '3'])).toThrow(/--stpes/);
    expect(() => parseMaePretrainConfig({ probeImages: 0 })).toThrow(/probeImages/);
  });
});
