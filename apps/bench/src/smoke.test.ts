import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBenchConfig } from './config.js';
import { runBench } from './run.js';
import { BenchResultsSchema } from './schema.js';
import { detectTorch } from './torch.js';
import { WORKLOAD_IDS } from './workloads.js';

// The CI form of the benchmark: every workload once at tiny sizes (same code paths as the full run),
// Patchwork in this process on the backend the test setup picked, PyTorch in its worker processes.
const PYTHON = '/usr/bin/python3';
const torch = detectTorch(PYTHON);
const TRAINING = ['vit-ti-train', 'mnv2-0.5-train', 'mae-base-train'];
// One thread on both sides: tiny kernels are all synchronisation, and on a loaded CI box two threads
// waiting for each other (wasm pthreads, OpenMP) made this file 4× slower. Timings are not checked.
const THREADS = 1;

describe('bench smoke mode', () => {
  it('runs every workload on Patchwork with a leak check (step 3 vs 30) and a profile, and the results satisfy the contract', async () => {
    const cfg = parseBenchConfig({ smoke: true, torch: false, leakCheck: true, leakSteps: [3, 30], profile: true, profileTop: 3, threads: THREADS });
    const r = await runBench(cfg, { isolate: false, log: () => {} });
    // What main.ts writes must read back through the exported schema unchanged.
    expect(BenchResultsSchema.parse(JSON.parse(JSON.stringify(r)))).toEqual(r);
    expect(r.mode).toBe('smoke');
    expect(r.threads).toBe(THREADS);
    expect(r.workloads.map((w) => w.id)).toEqual([...WORKLOAD_IDS]);
    for (const w of r.workloads) {
      expect(w.torch113, w.id).toBeNull();
      expect(w.ratioVsTorch113, w.id).toBeNull();
      expect(w.samplesMs.patchwork).toHaveLength(1);
      expect(w.profile!.byKernel.length, w.id).toBeGreaterThan(0);
      if (TRAINING.includes(w.id)) expect(w.leak, w.id).toEqual({ steps: [3, 30], numTensors: [w.leak!.numTensors[0], w.leak!.numTensors[0]], ok: true });
      else expect(w.leak, w.id).toBeNull();
    }
    expect(r.skipped['torch113']).toMatch(/--no-torch/);
    expect(r.skipped['tensorflow']).toBeDefined();
    expect(r.workloads.find((w) => w.id === 'mae-base-train')!.note).toMatch(/2 gradient-accumulation micro-batches of 1/);
  });

  // "pythons" that list a torch 1.13, then die at start-up, or hang when asked to set a workload up.
  it.each([
    ['dies', `echo 'No module named torch' >&2; exit 3`, /exited \(code 3[\s\S]*No module named torch/],
    ['hangs', `echo '{"ok": true, "torch": "1.13.1", "threads": 1}'; read line; exec sleep 60`, /no reply to 'setup' within 1 s \(process killed\)/],
  ])('records a PyTorch that %s as an error of its column and still writes valid results', async (_, serve, error) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-python-'));
    const python = path.join(dir, 'python3');
    fs.writeFileSync(python, `#!/bin/sh\nif [ "$2" = --list ]; then echo '[{"root": "/nowhere", "version": "1.13.1"}]'; exit 0; fi\n${serve}\n`, { mode: 0o755 });
    try {
      const r = await runBench(parseBenchConfig({ smoke: true, python, workloads: 'gemm-1024', threads: THREADS, timeoutS: 1 }), { isolate: false, log: () => {} });
      expect(BenchResultsSchema.parse(JSON.parse(JSON.stringify(r)))).toEqual(r);
      const [gemm] = r.workloads;
      expect(gemm).toMatchObject({ torch113: null, ratioVsTorch113: null, torch113PeakRssMiB: null });
      expect(gemm!.patchwork).toBeGreaterThan(0);
      expect(gemm!.errors.torch113).toMatch(error);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(torch.torch113 === null)(
    `runs every workload on Debian's PyTorch 1.13 too, with the same parameter counts${torch.torch113 === null ? ` (skipped: ${torch.skipped['torch113']})` : ''}`,
    async () => {
      const r = await runBench(parseBenchConfig({ smoke: true, python: PYTHON, threads: THREADS }), { isolate: false, log: () => {} });
      expect(BenchResultsSchema.parse(JSON.parse(JSON.stringify(r)))).toEqual(r);
      expect(r.torch113?.version).toMatch(/^1\.13/);
      for (const w of r.workloads) {
        expect(w.torch113, w.id).not.toBeNull();
        expect(w.ratioVsTorch113, w.id).not.toBeNull();
        expect(w.torch113PeakRssMiB, w.id).toBeGreaterThan(0);
        expect(w.params.torch, w.id).toBe(w.params.patchwork);
      }
    },
  );
});
