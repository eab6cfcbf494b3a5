import { describe, expect, it } from 'vitest';
import { MODE_DEFAULTS, argsToConfig, parseClassifyConfig } from './config.js';

describe('classify config', () => {
  it('parses CLI flags into a validated config with defaults', () => {
    const cfg = parseClassifyConfig(argsToConfig(['--steps', '50', '--batch-size=32', '--no-flip', '--run-dir', 'x', '--lr', '1e-3']));
    expect(cfg).toMatchObject({ mode: 'scratch', steps: 50, batchSize: 32, flip: false, runDir: 'x', lr: 1e-3, model: 'small-cnn', data: 'bundled', labelSmoothing: 0, dropPath: 0 });
  });

  it('fills mode-dependent defaults from MAE recipes, and flags override them', () => {
    const probe = parseClassifyConfig(argsToConfig(['--mode', 'linprobe', '--init', 'runs/mae']));
    expect(probe).toMatchObject({ ...MODE_DEFAULTS.linprobe, init: 'runs/mae' });
    expect(probe).toMatchObject({ weightDecay: 0, globalPool: 'token' });
    const ft = parseClassifyConfig(argsToConfig(['--mode', 'finetune', '--init', 'random:mae_vit_micro_patch4_28', '--layer-decay', '0.65', '--drop-path', '0.2', '--label-smoothing', '0.05', '--global-pool', 'token']));
    expect(ft).toMatchObject({ mode: 'finetune', layerDecay: 0.65, dropPath: 0.2, labelSmoothing: 0.05, globalPool: 'token', lr: MODE_DEFAULTS.finetune.lr, weightDecay: 0.05 });
  });

  it('names unknown keys and bad values', () => {
    expect(() => parseClassifyConfig({ stpes: 3 })).toThrow(/stpes/);
    expect(() => parseClassifyConfig({ shift: 9 })).toThrow(/shift/);
    expect(() => parseClassifyConfig({ mode: 'linprobe', init: 'runs/mae', shift: 2 })).toThrow(/random shifts do not apply/);
    expect(parseClassifyConfig(argsToConfig(['--mode', 'finetune', '--init', 'runs/mae', '--shift', '2'])).shift).toBe(2);
    expect(() => parseClassifyConfig(argsToConfig(['--mode', 'finetune', '--init', 'x', '--layer-decy', '0.7']))).toThrow(/layerDecy/);
    expect(() => parseClassifyConfig({ steps: -1, lr: 'fast' })).toThrow(/steps[\s\S]*lr/);
    expect(() => parseClassifyConfig({ mode: 'probe' })).toThrow(/mode/);
    expect(() => parseClassifyConfig({ mode: 'finetune', init: 'x', layerDecay: 1.5, dropPath: 1, labelSmoothing: -0.1 })).toThrow(/layerDecay[\s\S]*dropPath[\s\S]*labelSmoothing/);
    expect(() => argsToConfig(['steps'])).toThrow(/unexpected argument 'steps'/);
  });

  it('checks that options fit the mode', () => {
    expect(() => parseClassifyConfig({ mode: 'linprobe' })).toThrow(/init: --mode linprobe needs --init/);
    expect(() => parseClassifyConfig({ mode: 'finetune' })).toThrow(/init: --mode finetune needs --init/);
    expect(() => parseClassifyConfig({ init: 'runs/mae' })).toThrow(/init: init is for --mode linprobe or finetune/);
    expect(() => parseClassifyConfig({ globalPool: 'avg' })).toThrow(/globalPool/);
    expect(() => parseClassifyConfig({ mode: 'linprobe', init: 'x', dropPath: 0.1 })).toThrow(/dropPath: the linear probe freezes the encoder/);
    expect(() => parseClassifyConfig({ steps: 10, warmup: 10 })).toThrow(/warmup \(10\) must be shorter than steps \(10\)/);
  });
});
