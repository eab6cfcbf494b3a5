import { describe, expect, it } from 'vitest';
import { argsToConfig, parseFlowmoTrainConfig } from './config.js';

describe('flowmo-train config', () => {
  it('parses CLI flags into a validated config with defaults', () => {
    const cfg = parseFlowmoTrainConfig(argsToConfig(['--stage1a-steps', '50', '--batch-size=8', '--no-resume', '--data', 'fashion', '--lr1b', '2e-4']));
    expect(cfg).toMatchObject({ stage1aSteps: 50, batchSize: 8, resume: false, data: 'fashion', lr1b: 2e-4, preset: 'flowmo_small_img32', stage1bSteps: 30 });
  });

  it('names unknown keys and bad values', () => {
    expect(() => parseFlowmoTrainConfig({ stage1Steps: 3 })).toThrow(/stage1Steps/);
    expect(() => parseFlowmoTrainConfig({ data: 'imagenet', batchSize: 0 })).toThrow(/data[\s\S]*batchSize/);
    expect(() => argsToConfig(['steps'])).toThrow(/unexpected argument 'steps'/);
  });
});
