import path from 'node:path';
import { FlowmoTokenizer, Stage1aTrainer, Stage1bTrainer, featureMseLoss, flowmoPreset, loadFlowmoCheckpoint, lpipsDistance, parseFlowmoConfig } from '@patchwork/flowmo-tokenizer';
import type { FlowmoTrainerBase } from '@patchwork/flowmo-tokenizer';
import { PatchworkError, Rng, backendInfo, tf } from '@patchwork/tensor-core';
import type { JsonValue } from '@patchwork/tensor-core';
import { latestCheckpoint, loadCheckpoint, saveCheckpoint } from '@patchwork/tensor-core/node';
import type { LoadedCheckpoint } from '@patchwork/tensor-core/node';
import { JsonlLog, ProgressBar } from '@patchwork/train';
import type { RasterImage } from '@patchwork/train';
import type { FlowmoTrainConfig } from './config.js';
import { loadFashion, loadPhotos } from './data.js';
import type { ImageSource } from './data.js';
import { evaluateReconstruction, meanColourBaseline, realVersusRealFd } from './evaluate.js';
import type { EvalMetrics } from './evaluate.js';
import { RandomConvFeatures } from './features.js';
import { pairGrid, writeReport } from './report.js';

/** What a run produced. */
export interface FlowmoTrainResult {
  /** Global step the run resumed from (0 for a fresh run). */
  startStep: number;
  stage1a: EvalMetrics | null;
  stage1b: EvalMetrics | null;
  realFd: number;
  baseline: Omit<EvalMetrics, 'seconds'>;
  params: number;
  bpp: number;
  /** Total loss of every step run in this call, per stage. */
  losses1a: number[];
  losses1b: number[];
  secondsPerStep: { stage1a: number; stage1b: number };
  reportPath: string;
}

const MODEL = 'model_state_dict.';
const EMA = 'model_ema_state_dict.';
/** Number of evaluation images shown in the reconstruction grids. */
const GRID = 8;

function prefixed(prefix: string, dict: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(dict).map(([k, v]) => [prefix + k, v]));
}

function unprefixed(prefix: string, dict: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(dict).flatMap(([k, v]) => (k.startsWith(prefix) ? [[k.slice(prefix.length), v]] : [])));
}

/**
 * Train a FlowMo tokenizer: Stage 1A (mode matching) then Stage 1B (mode seeking), evaluating the
 * EMA weights after each stage on held-out images, checkpointing both the raw and EMA weights (the
 * official `model_state_dict`/`model_ema_state_dict` layout) with the optimizer and generator
 * state, resuming from the latest checkpoint, and writing a report.
 */
export async function runFlowmoTrain(cfg: FlowmoTrainConfig): Promise<FlowmoTrainResult> {
  const modelConfig = parseFlowmoConfig(flowmoPreset(cfg.preset));
  const size = modelConfig.imageSize;
  const source: ImageSource = cfg.data === 'photos' ? await loadPhotos(cfg.photoDir, size, cfg.evalImages, cfg.seed) : loadFashion(size, cfg.evalImages, cfg.seed);
  const model = new FlowmoTokenizer(modelConfig, { rng: new Rng(cfg.seed) });
  const features = new RandomConvFeatures(cfg.seed + 1);
  const identity = { name: 'flowmo-tokenizer', config: modelConfig };
  const ckptDir = path.join(cfg.runDir, 'checkpoints');
  const log = new JsonlLog(path.join(cfg.runDir, 'log.jsonl'));
  const [s1a, total] = [cfg.stage1aSteps, cfg.stage1aSteps + cfg.stage1bSteps];
  const evalOptions = { steps: cfg.evalSteps, rho: cfg.rho, cfg: cfg.cfg, batchSize: cfg.batchSize, seed: cfg.seed };
  const losses1a: [number, number][] = [];
  const losses1b: [number, number][] = [];
  const seconds = { stage1a: 0, stage1b: 0 };
  const results: { stage1a: { metrics: EvalMetrics; grid: RasterImage } | null; stage1b: { metrics: EvalMetrics; grid: RasterImage } | null } = { stage1a: null, stage1b: null };
  let saved1a: EvalMetrics | null = null;
  let ck: LoadedCheckpoint | null = null;
  let startStep = 0;

  const evaluate = (trainer: FlowmoTrainerBase | null): { metrics: EvalMetrics; grid: RasterImage } => {
    // The official evaluation reads the EMA weights; a finished run's checkpoint supplies them directly.
    const evalModel = new FlowmoTokenizer(modelConfig, { rng: new Rng(0) }).eval();
    try {
      if (trainer !== null) trainer.ema.copyTo(evalModel);
      else loadFlowmoCheckpoint(evalModel, ck!.weights, { prefer: 'ema' });
      const { metrics, reconstructions } = evaluateReconstruction(evalModel, source.evalImages, features, evalOptions);
      const shown = Math.min(GRID, reconstructions.shape[0]);
      const [originals, recons] = [tf.slice(source.evalImages, 0, shown), tf.slice(reconstructions, 0, shown)];
      const grid = pairGrid(originals.dataSync() as Float32Array, recons.dataSync() as Float32Array, size, shown);
      tf.dispose([originals, recons, reconstructions]);
      return { metrics, grid };
    } finally {
      evalModel.dispose();
    }
  };

  const save = (step: number, stage: '1a' | '1b', trainer: FlowmoTrainerBase): void => {
    const weights = model.stateDict();
    const state = trainer.stateDict();
    try {
      saveCheckpoint(
        ckptDir,
        {
          model: identity,
          weights: { ...prefixed(MODEL, weights), ...prefixed(EMA, state.ema) },
          optimizer: { name: state.meta.optimizer.type, state: state.optimizer, hyper: state.meta },
          step,
          extra: { stage, metrics1a: saved1a as unknown as JsonValue },
        },
        { keep: 2 },
      );
    } finally {
      tf.dispose([...Object.values(weights), ...Object.values(state.optimizer), ...Object.values(state.ema)]);
    }
  };

  const runStage = (stage: '1a' | '1b', trainer: FlowmoTrainerBase, from: number, to: number, losses: [number, number][]): number => {
    const bar = new ProgressBar({ total: to - from, label: `stage ${stage}` });
    const t0 = performance.now();
    for (let s = from; s < to; s++) {
      const batch = source.trainBatch(s, cfg.batchSize);
      let l: Record<string, number>;
      try {
        l = trainer.trainStep(batch);
      } finally {
        batch.dispose();
      }
      if (!Number.isFinite(l['loss'])) throw new PatchworkError('E_NAN', `stage ${stage}: loss is ${l['loss']} at step ${s + 1}; stopping before it reaches a checkpoint`);
      losses.push([s + 1, l['loss']!]);
      log.write({ step: s + 1, stage, ...l });
      bar.update(s + 1 - from, { loss: l['loss']! });
      if ((cfg.checkpointEvery > 0 && (s + 1) % cfg.checkpointEvery === 0) || s + 1 === to) save(s + 1, stage, trainer);
    }
    return (performance.now() - t0) / 1000;
  };

  try {
    if (cfg.resume && latestCheckpoint(ckptDir) !== null) {
      ck = loadCheckpoint(ckptDir, { expectModel: identity });
      loadFlowmoCheckpoint(model, ck.weights, { prefer: 'model' });
      startStep = ck.step;
      const extra = ck.extra as { metrics1a?: EvalMetrics | null } | undefined;
      saved1a = extra?.metrics1a ?? null;
      log.truncateAfter(startStep);
    }
    const resumeInto = (trainer: FlowmoTrainerBase, stage: '1a' | '1b'): void => {
      if (ck === null || (ck.extra as { stage?: string } | undefined)?.stage !== stage || ck.optimizer === undefined) return;
      trainer.loadStateDict({ optimizer: ck.optimizer.state, ema: unprefixed(EMA, ck.weights), meta: ck.optimizer.hyper });
    };
    let step = startStep;

    if (step < s1a) {
      const trainer = new Stage1aTrainer(model, {
        lr: cfg.lr,
        perceptual: lpipsDistance(features.extract),
        perceptualWeight: cfg.perceptualWeight,
        emaDecay: cfg.emaDecay,
        emaWarmup: true,
        seed: cfg.seed,
      });
      try {
        resumeInto(trainer, '1a');
        seconds.stage1a = runStage('1a', trainer, step, s1a, losses1a);
        results.stage1a = evaluate(trainer);
        saved1a = results.stage1a.metrics;
        log.write({ step: s1a, stage: '1a', eval: saved1a });
        // Record the 1A metrics in the stage's last checkpoint, so a resumed run can report them.
        save(s1a, '1a', trainer);
      } finally {
        trainer.dispose();
      }
      step = s1a;
    }

    if (step < total) {
      // Official post-training: the encoder is frozen and a fresh optimizer and EMA start from the weights.
      const trainer = new Stage1bTrainer(model, {
        lr: cfg.lr1b,
        perceptual: cfg.sampleLoss === 'mse' ? featureMseLoss(features.extract) : lpipsDistance(features.extract),
        sampleWeight: cfg.sampleWeight,
        sampleSteps: cfg.sampleSteps,
        emaDecay: cfg.emaDecay,
        emaWarmup: true,
        seed: cfg.seed + 1,
      });
      try {
        resumeInto(trainer, '1b');
        seconds.stage1b = runStage('1b', trainer, Math.max(step, s1a), total, losses1b);
        results.stage1b = evaluate(trainer);
        log.write({ step: total, stage: '1b', eval: results.stage1b.metrics });
      } finally {
        trainer.dispose();
      }
    } else if (ck !== null && startStep === total && total > s1a) {
      // Already finished: evaluate the saved EMA weights again for the report.
      results.stage1b = evaluate(null);
    }

    const realFd = realVersusRealFd(source.evalImages, features);
    const baseline = meanColourBaseline(source.evalImages, features, cfg.batchSize);
    const info = backendInfo();
    const ran1a = Math.max(0, s1a - startStep);
    const ran1b = total - Math.max(startStep, s1a);
    const stage1aMetrics = results.stage1a?.metrics ?? saved1a;
    const reportPath = writeReport(path.join(cfg.runDir, 'report'), {
      config: cfg,
      data: source.name,
      backend: info.name,
      threads: info.threads,
      params: model.numParameters(),
      bpp: model.bitsPerPixel(),
      codeBytes: Math.ceil((modelConfig.codeLength * modelConfig.contextDim) / 8),
      losses1a,
      losses1b,
      stage1a: results.stage1a ?? (stage1aMetrics === null ? null : { metrics: stage1aMetrics, grid: null }),
      stage1b: results.stage1b,
      realFd,
      baseline,
      seconds,
    });
    return {
      startStep,
      stage1a: stage1aMetrics,
      stage1b: results.stage1b?.metrics ?? null,
      realFd,
      baseline,
      params: model.numParameters(),
      bpp: model.bitsPerPixel(),
      losses1a: losses1a.map(([, l]) => l),
      losses1b: losses1b.map(([, l]) => l),
      secondsPerStep: { stage1a: ran1a > 0 ? seconds.stage1a / ran1a : 0, stage1b: ran1b > 0 ? seconds.stage1b / ran1b : 0 },
      reportPath,
    };
  } finally {
    ck?.dispose();
    features.dispose();
    model.dispose();
    source.dispose();
  }
}
