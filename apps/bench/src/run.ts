import { createRequire } from 'node:module';
import os from 'node:os';
import { initBackend } from '@patchwork/tensor-core';
import type { BenchConfig } from './config.js';
import { BenchResultsSchema } from './schema.js';
import type { BenchResults, LeakResult, WorkloadResult } from './schema.js';
import { forkPatchworkSide, inProcessPatchworkSide, spawnTorchSide } from './sides.js';
import type { PatchworkSide, SetupResult, Side, SideName } from './sides.js';
import { TORCH_WORKER, detectTorch } from './torch.js';
import type { TorchSelection } from './torch.js';
import { workloadSpecs } from './workloads.js';
import type { WorkloadSpec } from './workloads.js';

/** How {@link runBench} runs the Patchwork side and reports progress. */
export interface RunOptions {
  /**
   * true (the CLI): a fresh Node process per workload, so peak RSS is per workload and memory
   * from one workload never slows the next. false (the smoke test): this process, on the backend
   * it already initialised; no tfjs-node column.
   */
  isolate: boolean;
  /** Progress lines. */
  log: (line: string) => void;
}

/**
 * Run the selected workloads on every available side, alternating sides iteration by iteration
 * (the order rotates each round) after the warm-up, and return the validated results.
 */
export async function runBench(cfg: BenchConfig, { isolate, log }: RunOptions): Promise<BenchResults> {
  const loadStart = os.loadavg() as [number, number, number];
  const threads = cfg.threads ?? os.availableParallelism();
  const iters = cfg.smoke ? 1 : cfg.iters;
  const warmup = cfg.smoke ? 0 : cfg.warmup;
  const timeoutMs = cfg.timeoutS * 1000;
  const torch: TorchSelection = cfg.torch
    ? detectTorch(cfg.python)
    : { torch113: null, torch2: null, skipped: { torch113: 'disabled (--no-torch)', torch2: 'disabled (--no-torch)' } };
  const skipped: Record<string, string> = { ...torch.skipped };
  const inProcessHello = isolate ? null : await initBackend(cfg.threads === undefined ? {} : { threads: cfg.threads });
  const tfjsNode = tfjsNodeResolvable();

  let hello: Record<string, unknown> | null = null;
  let tensorflowSide = false;
  const rows: WorkloadResult[] = [];
  for (const spec of workloadSpecs(cfg.smoke ? 'smoke' : 'full').filter((s) => cfg.workloads.includes(s.id))) {
    const sides: Side[] = [];
    try {
      const patchwork = inProcessHello !== null ? inProcessPatchworkSide({ ...inProcessHello }) : await forkPatchworkSide('patchwork', threads, timeoutMs);
      sides.push(patchwork);
      if (hello === null) {
        hello = patchwork.hello;
        const reason = tensorflowReason(hello['backend'], tfjsNode, isolate);
        if (reason === null) tensorflowSide = await probeTensorflow(threads, timeoutMs, skipped);
        else skipped['tensorflow'] = reason;
      }
      // The other columns; one that does not start is recorded as that column's error.
      const others: [SideName, () => Promise<Side>][] = [];
      if (tensorflowSide) others.push(['tensorflow', () => forkPatchworkSide('tensorflow', threads, timeoutMs, 'tensorflow')]);
      for (const name of ['torch113', 'torch2'] as const) {
        const install = torch[name];
        if (install !== null) others.push([name, () => spawnTorchSide(name, cfg.python, TORCH_WORKER, install, threads, timeoutMs)]);
      }
      const startErrors: Partial<Record<SideName, string>> = {};
      for (const [name, start] of others) {
        try {
          sides.push(await start());
        } catch (err) {
          startErrors[name] = err instanceof Error ? err.message : String(err);
          log(`  ${name} did not start: ${startErrors[name]}`);
        }
      }
      rows.push(await runWorkload(spec, patchwork, sides, startErrors, { iters, warmup, cfg, log }));
    } finally {
      for (const side of sides) side.close();
    }
  }
  if (hello === null) throw new Error('no workload selected');

  return BenchResultsSchema.parse({
    date: localDate(new Date()),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    backend: String(hello['backend']),
    threads: Number(hello['threads']),
    workloads: rows,
    loadAvg: { start: loadStart, end: os.loadavg() },
    machine: cfg.machine,
    mode: cfg.smoke ? 'smoke' : 'full',
    node: process.version,
    simd: hello['simd'] === true,
    peakGflops: cfg.peakGflops,
    warmup,
    iters,
    torch113: torch.torch113,
    torch2: torch.torch2,
    skipped,
  });
}

interface WorkloadRun {
  iters: number;
  warmup: number;
  cfg: BenchConfig;
  log: (line: string) => void;
}

async function runWorkload(
  spec: WorkloadSpec,
  patchwork: PatchworkSide,
  sides: Side[],
  startErrors: Partial<Record<SideName, string>>,
  { iters, warmup, cfg, log }: WorkloadRun,
): Promise<WorkloadResult> {
  log(`${spec.id}: ${spec.title} — ${sides.map((s) => s.name).join(' vs ')}`);
  // A side that fails (error, out of memory, timeout) leaves the workload; the others go on.
  let active = [...sides];
  const errors: Partial<Record<SideName, string>> = { ...startErrors };
  const attempt = async <T>(side: Side, fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await fn();
    } catch (err) {
      errors[side.name] = err instanceof Error ? err.message : String(err);
      log(`  ${side.name} failed: ${errors[side.name]}`);
      side.close();
      active = active.filter((s) => s !== side);
      return null;
    }
  };

  const setups = new Map<SideName, SetupResult>();
  for (const side of sides) {
    const setup = await attempt(side, () => side.setup(spec));
    if (setup !== null) setups.set(side.name, setup);
  }
  const counts = new Set([...setups.values()].map((s) => s.params));
  if (counts.size > 1) throw new Error(`${spec.id}: the sides built different parameter counts (${[...setups].map(([n, s]) => `${n} ${s.params}`).join(', ')}): the architectures differ`);

  for (let i = 0; i < warmup; i++) for (const side of active) await attempt(side, () => side.run());
  const samples = new Map<SideName, number[]>(active.map((s) => [s.name, []]));
  for (let i = 0; i < iters; i++) {
    // Rotate who goes first, so drifting machine load does not favour one side.
    const order = [...active.slice(i % active.length), ...active.slice(0, i % active.length)];
    for (const side of order) {
      const ms = await attempt(side, () => side.run());
      if (ms !== null) samples.get(side.name)!.push(ms);
    }
  }
  const profile = cfg.profile && active.includes(patchwork) ? await attempt(patchwork, () => patchwork.profile(cfg.profileTop)) : null;
  let leak: LeakResult | null = null;
  if (cfg.leakCheck && spec.kind.endsWith('-train') && active.includes(patchwork)) {
    leak = await attempt(patchwork, () => patchwork.leakCheck(cfg.leakSteps));
    if (leak !== null) log(`  leak check: ${leak.numTensors[0]} tensors after ${leak.steps[0]} steps, ${leak.numTensors[1]} after ${leak.steps[1]} — ${leak.ok ? 'ok' : 'LEAK'}`);
  }
  const rss = new Map<SideName, number>();
  for (const side of [...active]) {
    const peak = await attempt(side, () => side.finish());
    if (peak !== null) rss.set(side.name, peak);
  }

  // Only sides that completed every timed iteration get a value (a later profile/leak failure keeps it).
  const timed = (name: SideName): number[] | null => {
    const s = samples.get(name);
    return s !== undefined && s.length === iters ? s : null;
  };
  const medianMs = (name: SideName): number | null => {
    const s = timed(name);
    return s === null ? null : median(s);
  };
  const pwMs = medianMs('patchwork');
  const value = (ms: number | null): number | null => (ms === null ? null : round(spec.unit === 'img/s' ? spec.batch / (ms / 1000) : ms));
  // Speed ratio: the same work on both sides, so it is the inverse ratio of the times whatever the unit.
  const ratio = (ms: number | null): number | null => (ms === null || pwMs === null ? null : round(ms / pwMs));
  const flopsPerIter = setups.get('patchwork')?.flopsPerIter ?? null;
  const gflops = pwMs === null || flopsPerIter === null ? null : flopsPerIter / pwMs / 1e6;
  const rssOf = (name: SideName): number | null => (rss.has(name) ? round(rss.get(name)!) : null);
  const row: WorkloadResult = {
    id: spec.id,
    unit: spec.unit,
    patchwork: value(pwMs),
    torch113: value(medianMs('torch113')),
    torch2: value(medianMs('torch2')),
    ratioVsTorch113: ratio(medianMs('torch113')),
    ratioVsTorch2: ratio(medianMs('torch2')),
    gflops: gflops === null ? null : round(gflops),
    peakRssMiB: pwMs === null ? null : rssOf('patchwork'),
    pctPeak: gflops === null ? null : round((100 * gflops) / cfg.peakGflops),
    tensorflow: value(medianMs('tensorflow')),
    torch113PeakRssMiB: rssOf('torch113'),
    torch2PeakRssMiB: rssOf('torch2'),
    params: { patchwork: setups.get('patchwork')?.params ?? null, torch: setups.get('torch113')?.params ?? setups.get('torch2')?.params ?? null },
    flopsPerIter,
    note: spec.microBatch === undefined ? null : `Patchwork runs the batch of ${spec.batch} as ${spec.batch / spec.microBatch} gradient-accumulation micro-batches of ${spec.microBatch}`,
    samplesMs: {
      patchwork: timed('patchwork')?.map(round) ?? null,
      tensorflow: timed('tensorflow')?.map(round) ?? null,
      torch113: timed('torch113')?.map(round) ?? null,
      torch2: timed('torch2')?.map(round) ?? null,
    },
    errors,
    leak,
    profile,
  };
  log(`  ${sides.map((s) => `${s.name} ${medianMs(s.name) === null ? 'failed' : `${round(medianMs(s.name)!)} ms`}`).join(' · ')}${gflops === null ? '' : ` → ${round(gflops)} GFLOP/s`}`);
  return row;
}

/** Why there is no tfjs-node column, or null when one should be tried. */
function tensorflowReason(defaultBackend: unknown, resolvable: boolean, isolate: boolean): string | null {
  if (defaultBackend === 'tensorflow') return 'tfjs-node is already the default backend (the patchwork column)';
  if (!resolvable) return '@tensorflow/tfjs-node is not installed (not resolvable from @patchwork/tensor-core)';
  if (!isolate) return 'in-process run (smoke test) measures the default backend only';
  return null;
}

/** Start tfjs-node once to see whether it works; records why not in `skipped`. */
async function probeTensorflow(threads: number, timeoutMs: number, skipped: Record<string, string>): Promise<boolean> {
  try {
    const side = await forkPatchworkSide('tensorflow', threads, timeoutMs, 'tensorflow');
    await side.finish();
    return true;
  } catch (err) {
    skipped['tensorflow'] = `tfjs-node did not start: ${err instanceof Error ? err.message : String(err)}`;
    return false;
  }
}

/** Whether `@tensorflow/tfjs-node` resolves where `initBackend()` imports it from (without loading it). */
function tfjsNodeResolvable(): boolean {
  const require = createRequire(import.meta.url);
  try {
    createRequire(require.resolve('@patchwork/tensor-core/package.json')).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Four significant digits. */
function round(x: number): number {
  return Number(x.toPrecision(4));
}

/** `yyyy-mm-dd` in local time. */
function localDate(d: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
