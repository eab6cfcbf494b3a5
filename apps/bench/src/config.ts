import { parseConfig } from '@patchwork/tensor-core';
import { z } from 'zod';
import { WORKLOAD_IDS } from './workloads.js';
import type { WorkloadId } from './workloads.js';

/** Engine-notes ceiling for this 2-vCPU Zen 3 box: 2 cores × 32 FLOP/cycle × 2.45 GHz. */
export const DEFAULT_PEAK_GFLOPS = 157;

const positiveInt = z.number().int().positive();

/** Benchmark options; the defaults are the full run the README quotes. */
export const BenchConfigSchema = z
  .object({
    /** Comma-separated workload ids, or `all`. */
    workloads: z
      .string()
      .default('all')
      .transform((s, ctx): WorkloadId[] => {
        if (s === 'all') return [...WORKLOAD_IDS];
        const ids = s.split(',').map((id) => id.trim());
        const unknown = ids.filter((id) => !(WORKLOAD_IDS as readonly string[]).includes(id));
        if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `unknown workload ${unknown.join(', ')}; known: ${WORKLOAD_IDS.join(', ')}` });
        return ids as WorkloadId[];
      }),
    /** Timed iterations per side (median reported); at least 5 except in smoke mode. */
    iters: positiveInt.default(5),
    /** Untimed iterations per side before timing. */
    warmup: z.number().int().min(0).default(1),
    /** Tiny sizes, one iteration, no warm-up: checks every code path and the JSON contract in seconds. */
    smoke: z.boolean().default(false),
    /** Also count live tensors after two step counts of every training workload (see `leakSteps`). */
    leakCheck: z.boolean().default(false),
    /** The two step counts the leak check compares (`--leak-steps 10,1000`). */
    leakSteps: z
      .tuple([positiveInt, positiveInt])
      .default([10, 1000])
      .refine(([a, b]) => a < b, { message: 'expected two step counts A,B with A < B' }),
    /** Profile one extra Patchwork iteration per workload with `tf.profile` and keep the top kernels. */
    profile: z.boolean().default(false),
    /** Kernels kept per workload by `profile`. */
    profileTop: positiveInt.default(8),
    /** Run the PyTorch side (skipped with a reason when no torch imports). */
    torch: z.boolean().default(true),
    /** Interpreter for the PyTorch side: Debian's, not a pyenv shim. */
    python: z.string().default('/usr/bin/python3'),
    /** Threads for both sides (wasm threads, `torch.set_num_threads`); default all cores. */
    threads: positiveInt.optional(),
    /** Longest wait for one reply from a side (a setup or one iteration); then it is killed and recorded as failed. */
    timeoutS: positiveInt.default(900),
    /** Hardware FP32 peak used for the "% of peak" column. */
    peakGflops: z.number().positive().default(DEFAULT_PEAK_GFLOPS),
    /** Label of the machine, stored in the JSON (e.g. "device, 2 cores of a Xeon"). */
    machine: z.string().default('this machine'),
    /** Folder for `<yyyy-mm-dd>.json`. */
    outDir: z.string().default('results'),
    /** Skip writing the JSON (print only). */
    write: z.boolean().default(true),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.smoke && c.iters < 5) ctx.addIssue({ code: 'custom', path: ['iters'], message: `a full run reports medians of at least 5 iterations, got ${c.iters}` });
  });

/** A validated benchmark config. */
export type BenchConfig = z.output<typeof BenchConfigSchema>;
/** What a caller may pass: every field optional. */
export type BenchConfigInput = z.input<typeof BenchConfigSchema>;

/** Validate a config; unknown keys and bad values fail with every problem listed. */
export function parseBenchConfig(input: unknown): BenchConfig {
  return parseConfig(BenchConfigSchema, input, 'bench config');
}
