import { z } from 'zod';
import { WORKLOAD_IDS } from './workloads.js';

const positive = z.number().positive();
const nonNegative = z.number().min(0);
const loadTriple = z.tuple([nonNegative, nonNegative, nonNegative]);

/** Live tensors after two step counts of a training workload (`--leak-check`); equal counts = no leak. */
export const LeakResultSchema = z.object({
  steps: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  numTensors: z.tuple([z.number().int().min(0), z.number().int().min(0)]),
  ok: z.boolean(),
});

/** Where one profiled Patchwork iteration spent its time (`--profile`). */
export const ProfileSummarySchema = z.object({
  /** Wall time of the profiled iteration (includes profiler overhead). */
  wallMs: nonNegative,
  /** Sum of the kernel times; the rest of `wallMs` is JavaScript (tape, tidy, optimizer bookkeeping). */
  kernelMs: nonNegative,
  /** Top kernels by total time. */
  byKernel: z.array(z.object({ kernel: z.string(), ms: nonNegative, share: nonNegative, calls: z.number().int().positive() })),
  /** Top kernel calls by total time, keyed by kernel name and shapes (`[a]×[b]→[out]`). */
  byCall: z.array(z.object({ kernel: z.string(), shapes: z.string(), ms: nonNegative, share: nonNegative, calls: z.number().int().positive() })),
});

const sideSamples = z.array(positive);

const SIDES = ['patchwork', 'tensorflow', 'torch113', 'torch2'] as const;

/**
 * One workload row. Values are in `unit` (img/s: higher is better; ms: lower is better); a ratio is
 * Patchwork's speed over that PyTorch's (> 1 = Patchwork faster), null when that PyTorch is absent.
 * A side that failed (error, out of memory, timeout) before its timed iterations completed has null
 * values and its reason in `errors`.
 */
export const WorkloadResultSchema = z
  .object({
    id: z.enum(WORKLOAD_IDS),
    unit: z.enum(['img/s', 'ms']),
    patchwork: positive.nullable(),
    torch113: positive.nullable(),
    torch2: positive.nullable(),
    ratioVsTorch113: positive.nullable(),
    ratioVsTorch2: positive.nullable(),
    /** Patchwork's achieved GFLOP/s (training FLOPs = 3 × forward). */
    gflops: positive.nullable(),
    /** Peak resident set of the Patchwork process that ran this workload alone. */
    peakRssMiB: positive.nullable(),
    // Extras (not part of the contract tooling relies on).
    /** `gflops` as a percentage of the machine's peak. */
    pctPeak: nonNegative.nullable(),
    /** The tfjs-node ('tensorflow') backend, when it was importable and not already the default; else null. */
    tensorflow: positive.nullable(),
    torch113PeakRssMiB: positive.nullable(),
    torch2PeakRssMiB: positive.nullable(),
    /** Trainable parameters as each side built the model (must agree). */
    params: z.object({ patchwork: z.number().int().min(0).nullable(), torch: z.number().int().min(0).nullable() }),
    /** FLOPs of one iteration (GEMM 2n³; inference 2 × MACs; training 3 × that). */
    flopsPerIter: positive.nullable(),
    /** How the Patchwork side ran the batch when not in one piece (e.g. gradient accumulation over micro-batches). */
    note: z.string().nullable(),
    /** Raw timed iterations (ms) per side, in run order. */
    samplesMs: z.object({ patchwork: sideSamples.nullable(), tensorflow: sideSamples.nullable(), torch113: sideSamples.nullable(), torch2: sideSamples.nullable() }),
    /** Why a side has no value although it took part. */
    errors: z.partialRecord(z.enum(SIDES), z.string()),
    leak: LeakResultSchema.nullable(),
    profile: ProfileSummarySchema.nullable(),
  })
  .strict()
  .superRefine((w, ctx) => {
    // A side can also fail after its timed iterations (profile, leak check): then it has a value and an error.
    if (w.patchwork === null && w.errors.patchwork === undefined) {
      ctx.addIssue({ code: 'custom', path: ['patchwork'], message: 'patchwork is null but errors.patchwork does not say why' });
    }
    if ((w.patchwork === null) !== (w.gflops === null)) ctx.addIssue({ code: 'custom', path: ['gflops'], message: 'gflops must be null exactly when patchwork is' });
    for (const [ratio, torch] of [
      ['ratioVsTorch113', 'torch113'],
      ['ratioVsTorch2', 'torch2'],
    ] as const) {
      const r = w[ratio];
      const t = w[torch];
      if ((r === null) !== (t === null || w.patchwork === null)) {
        ctx.addIssue({ code: 'custom', path: [ratio], message: `${ratio} must be null exactly when ${torch} or patchwork is null` });
      } else if (r !== null && t !== null && w.patchwork !== null) {
        const expected = w.unit === 'img/s' ? w.patchwork / t : t / w.patchwork;
        if (Math.abs(r - expected) > 0.01 * expected + 1e-3) {
          ctx.addIssue({ code: 'custom', path: [ratio], message: `${ratio} ${r} is not Patchwork's speed over ${torch}'s (${expected.toFixed(4)})` });
        }
      }
    }
  });

/** A PyTorch that took part in the run. */
const TorchInfoSchema = z.object({ version: z.string(), root: z.string() });

/** `apps/bench/results/<yyyy-mm-dd>.json`: the contract tooling and dashboards read. */
export const BenchResultsSchema = z
  .object({
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    cpu: z.string(),
    cores: z.number().int().positive(),
    /** tfjs backend of the Patchwork column (what `initBackend()` picked). */
    backend: z.string(),
    threads: z.number().int().positive(),
    workloads: z.array(WorkloadResultSchema),
    // Extras.
    /** 1/5/15-minute load averages before and after the run (other processes competing for the cores). */
    loadAvg: z.object({ start: loadTriple, end: loadTriple }),
    machine: z.string(),
    mode: z.enum(['full', 'smoke']),
    node: z.string(),
    simd: z.boolean(),
    peakGflops: positive,
    warmup: z.number().int().min(0),
    iters: z.number().int().positive(),
    torch113: TorchInfoSchema.nullable(),
    torch2: TorchInfoSchema.nullable(),
    /** Why a column is empty (torch missing, tfjs-node not importable, …). */
    skipped: z.record(z.string(), z.string()),
  })
  .strict()
  .superRefine((r, ctx) => {
    const ids = r.workloads.map((w) => w.id);
    if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', path: ['workloads'], message: `duplicate workload ids: ${ids.join(', ')}` });
    r.workloads.forEach((w, i) => {
      if ((w.torch113 !== null && r.torch113 === null) || (w.torch2 !== null && r.torch2 === null)) {
        ctx.addIssue({ code: 'custom', path: ['workloads', i], message: `${w.id} has a PyTorch value but the run lists no such PyTorch` });
      }
    });
  });

/** A validated results file. */
export type BenchResults = z.output<typeof BenchResultsSchema>;
/** One workload row. */
export type WorkloadResult = z.output<typeof WorkloadResultSchema>;
/** See {@link LeakResultSchema}. */
export type LeakResult = z.output<typeof LeakResultSchema>;
/** See {@link ProfileSummarySchema}. */
export type ProfileSummary = z.output<typeof ProfileSummarySchema>;
