import path from 'node:path';
import { PatchworkError, Rng, backendInfo, tf } from '@patchwork/tensor-core';
import type { RngState } from '@patchwork/tensor-core';
import { latestCheckpoint, loadCheckpoint, loadSafetensorsFile, saveCheckpoint } from '@patchwork/tensor-core/node';
import { MatDiscriminator, MatGenerator, MatTrainer, PerceptualLoss, Vgg19Features, matPresetConfig } from '@patchwork/mat-inpaint';
import type { FeatureExtractor } from '@patchwork/mat-inpaint';
import { JsonlLog, ProgressBar } from '@patchwork/train';
import type { MatTrainConfig } from './config.js';
import { loadPhotos, sampleBatch } from './data.js';
import type { InpaintBatch } from './data.js';
import { evaluate } from './evaluate.js';
import { heldOutFiles } from './held-out.js';
import type { EvalMetrics } from './evaluate.js';
import { sampleSheet, writeReport } from './report.js';

/** What a run did. */
export interface MatTrainResult {
  startStep: number;
  step: number;
  evals: { step: number; metrics: EvalMetrics }[];
  params: { generator: number; discriminator: number };
  trainSeconds: number;
  reportPath: string;
}

/**
 * Train (or resume training) a MAT preset on random crops with free-form masks: every step runs
 * MAT's G, D and lazy-R1 phases and the EMA (`MatTrainer`); the EMA generator is evaluated on
 * fixed validation crops; checkpoints (G, D, G_ema, both Adam states, step, both RNG streams)
 * are written atomically and the latest one is resumed; `log.jsonl` and a report (`report/`)
 * with loss curves, PSNR/SSIM and a sample sheet are written under `runDir`.
 */
export async function runMatTrain(cfg: MatTrainConfig, { progress = true }: { progress?: boolean } = {}): Promise<MatTrainResult> {
  if (cfg.testData !== 'none') heldOutFiles(cfg); // fail before any work if the held-out photos leak into training
  const photos = await loadPhotos(cfg.data, cfg.photoSide);
  const config = matPresetConfig(cfg.preset);
  const size = config.imgResolution;
  const G = new MatGenerator(config, { rng: new Rng(cfg.seed) });
  const D = new MatDiscriminator(config, { rng: new Rng(cfg.seed + 1) });
  const gEma = new MatGenerator(config, { rng: new Rng(cfg.seed) });
  const feature = perceptualNetwork(cfg.pcp);
  const pcp = feature === null ? null : new PerceptualLoss(feature.net, feature.weights);
  const trainer = new MatTrainer(G, D, pcp, {
    batchSize: cfg.batchSize,
    lr: cfg.lr,
    betas: cfg.betas,
    r1Gamma: cfg.r1Gamma,
    r1Interval: cfg.r1Interval,
    styleMixingProb: cfg.styleMixingProb,
    pcpRatio: cfg.pcpRatio,
    emaKimg: cfg.emaKimg,
    seed: cfg.seed + 2,
  });
  const dataRng = new Rng(cfg.seed + 3);
  const ckptDir = path.join(cfg.runDir, 'checkpoints');
  const log = new JsonlLog(path.join(cfg.runDir, 'log.jsonl'));
  const identity = { name: `mat-train/${cfg.preset}`, config };
  const val = sampleBatch(photos, cfg.valImages, size, new Rng(cfg.seed + 4), cfg.cropScale, cfg.holeRange);
  const evals: { step: number; metrics: EvalMetrics }[] = [];
  const curves = { gAdv: [] as [number, number][], dLoss: [] as [number, number][], pcp: [] as [number, number][] };

  try {
    let startStep = 0;
    if (cfg.resume && latestCheckpoint(ckptDir) !== null) {
      const ck = loadCheckpoint(ckptDir, { expectModel: identity });
      try {
        trainer.loadState({ weights: ck.weights, optimizer: ck.optimizer, step: ck.step, rng: ck.rng });
        const extra = ck.extra as { dataRng?: RngState } | undefined;
        if (extra?.dataRng !== undefined) dataRng.setState(extra.dataRng);
        startStep = ck.step;
      } finally {
        ck.dispose();
      }
      log.truncateAfter(startStep);
      for (const rec of log.read()) {
        const r = rec as { step: number; gAdv?: number; dLoss?: number; pcp?: number; psnr?: number; ssim?: number; l1?: number };
        if (r.gAdv !== undefined) pushCurves(curves, r.step, r as { gAdv: number; dLoss: number; pcp: number });
        if (r.psnr !== undefined) evals.push({ step: r.step, metrics: { psnr: r.psnr, ssim: r.ssim!, l1: r.l1! } });
      }
    }

    const runEval = (step: number): void => {
      const metrics = evaluate(trainer.copyEmaTo(gEma), val);
      evals.push({ step, metrics });
      log.write({ step, ...metrics });
    };
    if (startStep === 0) runEval(0);

    const save = (step: number): void => {
      const s = trainer.state();
      try {
        saveCheckpoint(
          ckptDir,
          { model: identity, weights: s.weights, optimizer: { name: 'Adam', state: s.optimizer.state, hyper: s.optimizer.hyper }, step, rng: s.rng, extra: { dataRng: dataRng.getState() } },
          { keep: 2 },
        );
      } finally {
        tf.dispose([...Object.values(s.weights), ...Object.values(s.optimizer.state)]);
      }
    };

    const bar = progress ? new ProgressBar({ total: Math.max(0, cfg.steps - startStep), label: 'mat' }) : null;
    let trainSeconds = 0;
    for (let step = startStep; step < cfg.steps; step++) {
      const batch: InpaintBatch = sampleBatch(photos, cfg.batchSize, size, dataRng, cfg.cropScale, cfg.holeRange);
      const t0 = performance.now();
      let stats;
      try {
        stats = trainer.trainStep(batch.images, batch.masks);
      } finally {
        tf.dispose([batch.images, batch.masks]);
      }
      trainSeconds += (performance.now() - t0) / 1000;
      if (![stats.gAdv, stats.dLoss, stats.pcp].every(Number.isFinite)) {
        throw new PatchworkError('E_NAN', `non-finite loss at step ${step + 1} (G ${stats.gAdv}, D ${stats.dLoss}); stopping before it reaches a checkpoint`);
      }
      const done = step + 1;
      pushCurves(curves, done, stats);
      log.write({ step: done, gAdv: stats.gAdv, dLoss: stats.dLoss, pcp: stats.pcp, l1: stats.l1, r1: stats.r1, realScore: stats.realScore, fakeScore: stats.fakeScore });
      bar?.update(done - startStep, { D: stats.dLoss.toFixed(3), G: stats.gAdv.toFixed(3), rec: stats.pcp.toFixed(3) });
      if ((cfg.evalEvery > 0 && done % cfg.evalEvery === 0) || done === cfg.steps) runEval(done);
      if ((cfg.checkpointEvery > 0 && done % cfg.checkpointEvery === 0) || done === cfg.steps) save(done);
    }

    const info = backendInfo();
    const params = { generator: G.numParameters(), discriminator: D.numParameters() };
    const reportPath = writeReport(
      path.join(cfg.runDir, 'report'),
      { config: cfg, backend: info.name, threads: info.threads, params, steps: cfg.steps, trainSeconds, curves, evals },
      sampleSheet(trainer.copyEmaTo(gEma), val),
    );
    return { startStep, step: Math.max(startStep, cfg.steps), evals, params, trainSeconds, reportPath };
  } finally {
    tf.dispose([val.images, val.masks]);
    photos.dispose();
    trainer.dispose();
    for (const m of [G, D, gEma]) m.dispose();
    if (feature !== null && 'dispose' in feature.net) (feature.net as Vgg19Features).dispose();
  }
}

function pushCurves(curves: { gAdv: [number, number][]; dLoss: [number, number][]; pcp: [number, number][] }, step: number, s: { gAdv: number; dLoss: number; pcp: number }): void {
  curves.gAdv.push([step, s.gAdv]);
  curves.dLoss.push([step, s.dLoss]);
  curves.pcp.push([step, s.pcp]);
}

/** The `--pcp` choice: a pixel L1 stand-in, MAT's VGG-19 loss with torchvision weights, or none. */
function perceptualNetwork(choice: string): { net: FeatureExtractor; weights?: Record<string, number> } | null {
  if (choice === 'none') return null;
  if (choice === 'pixels') return { net: { features: (x) => ({ pixels: tf.clone(x) }) }, weights: { pixels: 1 } };
  const file = choice.slice('vgg19:'.length);
  const vgg = new Vgg19Features();
  const { tensors } = loadSafetensorsFile(file);
  try {
    // A torchvision VGG-19 state dict also holds the classifier; only the conv trunk is used.
    vgg.loadStateDict(Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith('features.') && Number(k.split('.')[1]) <= 34)));
  } catch (err) {
    vgg.dispose();
    throw err;
  } finally {
    tf.dispose(Object.values(tensors));
  }
  return { net: vgg };
}
