import { describe, expect, it } from 'vitest';
import { argsToConfig, parseClassifyConfig } from './config.js';

describe('classify config', () => {
  it('parses CLI flags into a validated config with defaults', () => {
    const cfg = parseClassifyConfig(argsToConfig(['--steps', '50', '--batch-size=32', '--no-flip', '--run-dir', 'x', '--lr', '1e-3']));
    expect(cfg).toMatchObject({ steps: 50, batchSize: 32, flip: false, runDir: 'x', lr: 1e-3, model: 'small-cnn', data: 'bundled' });
  });

  it('names unknown keys and bad values', () => {
    expect(() => parseClassifyConfig({ stpes: 3 })).toThrow(/stpes/);
    expect(() => parseClassifyConfig({ steps: -1, lr: 'fast' })).toThrow(/steps[\s\S]*lr/);
    expect(() => argsToConfig(['steps'])).toThrow(/unexpected argument 'steps'/);
  });
});
