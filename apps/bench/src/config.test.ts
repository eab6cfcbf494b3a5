import { describe, expect, it } from 'vitest';
import { argsToConfig } from '@patchwork/train';
import { parseBenchConfig } from './config.js';
import { WORKLOAD_IDS } from './workloads.js';

describe('bench config', () => {
  it('parses CLI flags into a validated config with defaults', () => {
    const cfg = parseBenchConfig(argsToConfig(['--workloads', 'gemm-1024,vit-ti-train', '--iters=7', '--leak-check', '--leak-steps', '10,1000', '--no-torch']));
    expect(cfg).toMatchObject({ workloads: ['gemm-1024', 'vit-ti-train'], iters: 7, warmup: 1, leakCheck: true, leakSteps: [10, 1000], torch: false });
    expect(parseBenchConfig({}).workloads).toEqual([...WORKLOAD_IDS]);
    expect(parseBenchConfig({}).python).toBe('/usr/bin/python3');
  });

  it('names unknown keys, unknown workloads and bad values', () => {
    expect(() => parseBenchConfig({ itres: 3 })).toThrow(/itres/);
    expect(() => parseBenchConfig({ workloads: 'gemm-1024,resnet' })).toThrow(/unknown workload resnet/);
    expect(() => parseBenchConfig({ leakSteps: [30, 3] })).toThrow(/A < B/);
    expect(() => parseBenchConfig({ leakSteps: 10 })).toThrow(/leakSteps/);
  });

  it('asks for medians of at least 5 iterations except in smoke mode', () => {
    expect(() => parseBenchConfig({ iters: 3 })).toThrow(/at least 5/);
    expect(parseBenchConfig({ iters: 1, smoke: true }).iters).toBe(1);
  });
});
