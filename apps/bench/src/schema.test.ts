import { describe, expect, it } from 'vitest';
import { BenchResultsSchema, WorkloadResultSchema } from './schema.js';
import type { BenchResults, WorkloadResult } from './schema.js';

function row(overrides: Partial<WorkloadResult> = {}): WorkloadResult {
  return {
    id: 'vit-ti-train',
    unit: 'img/s',
    patchwork: 10,
    torch113: 20,
    torch2: null,
    ratioVsTorch113: 0.5,
    ratioVsTorch2: null,
    gflops: 12,
    peakRssMiB: 900,
    pctPeak: 7.6,
    tensorflow: null,
    torch113PeakRssMiB: 500,
    torch2PeakRssMiB: null,
    params: { patchwork: 2_693_578, torch: 2_693_578 },
    flopsPerIter: 35e9,
    note: null,
    samplesMs: { patchwork: [3200, 3100, 3300, 3250, 3150], tensorflow: null, torch113: [1600, 1590, 1610, 1605, 1620], torch2: null },
    errors: {},
    leak: null,
    profile: null,
    ...overrides,
  };
}

function results(workloads: WorkloadResult[] = [row()]): BenchResults {
  return {
    date: '2026-11-23',
    cpu: 'AMD EPYC',
    cores: 2,
    backend: 'wasm',
    threads: 2,
    workloads,
    loadAvg: { start: [6, 7, 7], end: [7, 7, 7] },
    machine: 'this machine',
    mode: 'full',
    node: 'v20.20.2',
    simd: true,
    peakGflops: 157,
    warmup: 1,
    iters: 5,
    torch113: { version: '1.13.0a0', root: '/usr/lib/python3/dist-packages' },
    torch2: null,
    skipped: { torch2: 'none installed', tensorflow: 'not installed' },
  };
}

describe('results JSON contract', () => {
  it('accepts a well-formed file', () => {
    expect(BenchResultsSchema.parse(results())).toEqual(results());
  });

  it('checks that a ratio is Patchwork speed over PyTorch speed, for throughput and for latency', () => {
    // img/s: 10 / 20 = 0.5; ms: PyTorch 50 ms / Patchwork 100 ms = 0.5 (Patchwork slower either way).
    expect(WorkloadResultSchema.safeParse(row({ ratioVsTorch113: 2 })).success).toBe(false);
    expect(WorkloadResultSchema.safeParse(row({ id: 'vit-b16-infer-b1', unit: 'ms', patchwork: 100, torch113: 50, ratioVsTorch113: 0.5 })).success).toBe(true);
    expect(WorkloadResultSchema.safeParse(row({ id: 'vit-b16-infer-b1', unit: 'ms', patchwork: 100, torch113: 50, ratioVsTorch113: 2 })).success).toBe(false);
  });

  it('requires a ratio exactly when that PyTorch was measured', () => {
    expect(WorkloadResultSchema.safeParse(row({ ratioVsTorch2: 1 })).success).toBe(false);
    expect(WorkloadResultSchema.safeParse(row({ ratioVsTorch113: null })).success).toBe(false);
    expect(WorkloadResultSchema.safeParse(row({ torch113: null, ratioVsTorch113: null })).success).toBe(true);
  });

  it('records a failed Patchwork side as nulls with the reason', () => {
    const failed = { patchwork: null, gflops: null, pctPeak: null, peakRssMiB: null, ratioVsTorch113: null, samplesMs: { ...row().samplesMs, patchwork: null } };
    expect(WorkloadResultSchema.safeParse(row({ ...failed, errors: { patchwork: 'no reply to run within 900 s (process killed)' } })).success).toBe(true);
    expect(WorkloadResultSchema.safeParse(row(failed)).success).toBe(false);
    expect(WorkloadResultSchema.safeParse(row({ ...failed, errors: { patchwork: 'oom' }, ratioVsTorch113: 0.5 })).success).toBe(false);
  });

  it('rejects unknown workload ids, unknown fields, bad dates, duplicates and PyTorch values without a PyTorch', () => {
    expect(WorkloadResultSchema.safeParse({ ...row(), id: 'resnet-train' }).success).toBe(false);
    expect(WorkloadResultSchema.safeParse({ ...row(), extra: 1 }).success).toBe(false);
    expect(BenchResultsSchema.safeParse({ ...results(), date: '23/11/2026' }).success).toBe(false);
    expect(BenchResultsSchema.safeParse(results([row(), row()])).success).toBe(false);
    expect(BenchResultsSchema.safeParse({ ...results(), torch113: null }).success).toBe(false);
  });
});
