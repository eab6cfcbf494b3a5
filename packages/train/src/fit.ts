import path from 'node:path';
import { PatchworkError, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { latestCheckpoint, loadCheckpoint, saveCheckpoint } from '@patchwork/tensor-core/node';
import { trainStep } from '@patchwork/layers';
import type { Module, Optimizer, Schedule } from '@patchwork/layers';
import { JsonlLog } from './jsonl-log.js';
import { ProgressBar } from './progress.js';

/** Options for {@link fit}. */
export interface FitOptions<B> {
  /** Model identity stored in checkpoints; resuming from a checkpoint of another name/config fails. */
  modelName: string;
  modelConfig: unknown;
  model: Module;
  optimizer: Optimizer;
  /** Total optimizer steps. */
  steps: number;
  /** Batches from a step on (so a resumed run continues the same sequence); the loop disposes nothing in them unless `disposeBatch` is given. */
  batches: (startStep: number) => Iterator<B>;
  /** Scalar loss of a batch (runs under `tf.variableGrads`). */
  loss: (batch: B) => tf.Scalar;
  disposeBatch?: (batch: B) => void;
  /** Learning rate per step (absolute), applied before each step. */
  schedule?: Schedule;
  clipNorm?: number;
  /** Folder for `checkpoints/` and `log.jsonl`; without it nothing is written. */
  runDir?: string;
  checkpointEvery?: number;
  keepCheckpoints?: number;
  /** Continue from the latest checkpoint in `runDir` if there is one (default true). */
  resume?: boolean;
  /** Saved and restored with checkpoints (augmentation, dropout). */
  rng?: Rng;
  /** Called every `evalEvery` steps and at the end; its numbers go to the log and the result. */
  evaluate?: (step: number) => Record<string, number> | Promise<Record<string, number>>;
  evalEvery?: number;
  /** Progress bar label; `false` for none. */
  progress?: string | false;
}

/** What {@link fit} did. */
export interface FitResult {
  /** Step the run started from (0, or the resumed checkpoint's). */
  startStep: number;
  step: number;
  /** Loss of each step run in this call. */
  losses: number[];
  /** Last evaluation, if any. */
  metrics: Record<string, number>;
  /** Seconds spent in training steps, and examples-per-step agnostic throughput (steps/s). */
  seconds: number;
}

/**
 * The training loop every trainer app shares: resume from the latest checkpoint, step with
 * schedule and clipping, log JSON lines, draw a progress bar, evaluate, and checkpoint
 * atomically (model + optimizer + step + RNG). A NaN/Inf loss stops the run with an error
 * naming the step, before a bad checkpoint can be written.
 */
export async function fit<B>(opts: FitOptions<B>): Promise<FitResult> {
  const { model, optimizer, steps, runDir, checkpointEvery = 0, evalEvery = 0 } = opts;
  if (!Number.isInteger(steps) || steps < 0) throw new PatchworkError('E_ARGUMENT', `steps must be a non-negative integer, got ${steps}`);
  const ckptDir = runDir === undefined ? undefined : path.join(runDir, 'checkpoints');
  const log = runDir === undefined ? undefined : new JsonlLog(path.join(runDir, 'log.jsonl'));
  const identity = { name: opts.modelName, config: opts.modelConfig };

  let startStep = 0;
  if (ckptDir !== undefined && opts.resume !== false && latestCheckpoint(ckptDir) !== null) {
    const ck = loadCheckpoint(ckptDir, { expectModel: identity });
    try {
      model.loadStateDict(ck.weights);
      if (ck.optimizer !== undefined) optimizer.loadStateDict({ tensors: ck.optimizer.state, meta: ck.optimizer.hyper });
      if (ck.rng !== undefined) opts.rng?.setState(ck.rng);
      startStep = ck.step;
    } finally {
      ck.dispose();
    }
    log?.truncateAfter(startStep);
  }

  const save = (step: number): void => {
    if (ckptDir === undefined) return;
    const weights = model.stateDict();
    const opt = optimizer.stateDict();
    try {
      saveCheckpoint(
        ckptDir,
        { model: identity, weights, optimizer: { name: opt.meta.type, state: opt.tensors, hyper: opt.meta }, step, rng: opts.rng?.getState() },
        { keep: opts.keepCheckpoints ?? 2 },
      );
    } finally {
      tf.dispose([...Object.values(weights), ...Object.values(opt.tensors)]);
    }
  };

  const bar = opts.progress === false ? null : new ProgressBar({ total: steps - startStep, label: opts.progress ?? 'train' });
  const losses: number[] = [];
  let metrics: Record<string, number> = {};
  let seconds = 0;
  const it = opts.batches(startStep);
  model.train();
  for (let step = startStep; step < steps; step++) {
    const next = it.next();
    if (next.done === true) throw new PatchworkError('E_ARGUMENT', `batch source ended at step ${step} of ${steps}`);
    const batch = next.value;
    if (opts.schedule !== undefined) optimizer.setLr(opts.schedule(step));
    const t0 = performance.now();
    let loss: number;
    try {
      loss = trainStep({ module: model, optimizer, lossFn: () => opts.loss(batch), clipNorm: opts.clipNorm });
    } finally {
      opts.disposeBatch?.(batch);
    }
    seconds += (performance.now() - t0) / 1000;
    if (!Number.isFinite(loss)) throw new PatchworkError('E_NAN', `loss is ${loss} at step ${step + 1}; stopping before it reaches a checkpoint`);
    losses.push(loss);
    const done = step + 1;
    log?.write({ step: done, loss, lr: optimizer.lr });
    bar?.update(done - startStep, { loss, lr: optimizer.lr });
    const evalNow = opts.evaluate !== undefined && ((evalEvery > 0 && done % evalEvery === 0) || done === steps);
    if (evalNow) {
      model.eval();
      metrics = await opts.evaluate!(done);
      model.train();
      log?.write({ step: done, ...metrics });
    }
    if ((checkpointEvery > 0 && done % checkpointEvery === 0) || done === steps) save(done);
  }
  it.return?.();
  return { startStep, step: Math.max(startStep, steps), losses, metrics, seconds };
}
