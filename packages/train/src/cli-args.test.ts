import { describe, expect, it } from 'vitest';
import { argsToConfig } from './cli-args.js';

describe('argsToConfig', () => {
  it('parses values, flags, negations and number lists', () => {
    expect(argsToConfig(['--steps', '50', '--batch-size=32', '--no-flip', '--resume', '--run-dir', 'x', '--lr', '1e-3', '--stage1a-steps', '7', '--crop', '64,48'])).toEqual({
      steps: 50,
      batchSize: 32,
      flip: false,
      resume: true,
      runDir: 'x',
      lr: 1e-3,
      stage1aSteps: 7,
      crop: [64, 48],
    });
  });

  it('rejects positional arguments', () => {
    expect(() => argsToConfig(['steps'])).toThrow(/unexpected argument 'steps'/);
  });
});
