import fs from 'node:fs';
import path from 'node:path';
import { FlowmoTokenizer, flowmoPreset, loadFlowmoCheckpoint, parseFlowmoConfig } from '@patchwork/flowmo-tokenizer';
import { curve, dataCardSections, readCurves, writeSummary } from '@patchwork/pipeline';
import type { CurveRecord } from '@patchwork/pipeline';
import { Rng, tf } from '@patchwork/tensor-core';
import { loadCheckpoint } from '@patchwork/tensor-core/node';
import { encodePng, linePlot } from '@patchwork/train';
import type { FlowmoTrainConfig } from '../config.js';
import { evaluateReconstruction, meanColourBaseline, realVersusRealFd } from '../evaluate.js';
import type { EvalMetrics } from '../evaluate.js';
import { RandomConvFeatures } from '../features.js';
import { pairGrid } from '../report.js';
import { imageSource } from './source.js';

/** Where {@link evaluateRun} reads the prepared data card and writes its results. */
export interface EvalDirs {
  dataDir: string;
  evalDir: string;
}

/** Reconstruction scores without the wall-clock time. */
export type Scores = Omit<EvalMetrics, 'seconds'>;

/**
 * The pipeline's `eval` step: load the EMA weights of the latest checkpoint of `cfg.runDir`
 * (refused if it belongs to another preset), reconstruct the trainer's evaluation images with its
 * sampler settings, score them as the trainer does, and write `summary.json` with the Stage 1A
 * numbers the trainer logged, the loss curves and the reconstructions.
 */
export async function evaluateRun(cfg: FlowmoTrainConfig, { dataDir, evalDir }: EvalDirs): Promise<Scores> {
  const modelConfig = parseFlowmoConfig(flowmoPreset(cfg.preset));
  const size = modelConfig.imageSize;
  const source = await imageSource(cfg, size);
  const model = new FlowmoTokenizer(modelConfig, { rng: new Rng(0) }).eval();
  const features = new RandomConvFeatures(cfg.seed + 1);
  try {
    const ck = loadCheckpoint(path.join(cfg.runDir, 'checkpoints'), { expectModel: { name: 'flowmo-tokenizer', config: modelConfig } });
    let step: number;
    try {
      loadFlowmoCheckpoint(model, ck.weights, { prefer: 'ema' });
      step = ck.step;
    } finally {
      ck.dispose();
    }
    const { metrics, reconstructions } = evaluateReconstruction(model, source.evalImages, features, { steps: cfg.evalSteps, rho: cfg.rho, cfg: cfg.cfg, batchSize: cfg.batchSize, seed: cfg.seed });
    const { seconds: _seconds, ...scores } = metrics;
    const shown = Math.min(8, reconstructions.shape[0]);
    const [originals, recons] = [tf.slice(source.evalImages, 0, shown), tf.slice(reconstructions, 0, shown)];
    fs.writeFileSync(path.join(evalDir, 'reconstructions.png'), encodePng(pairGrid(originals.dataSync() as Float32Array, recons.dataSync() as Float32Array, size, shown)));
    tf.dispose([originals, recons, reconstructions]);
    const realFd = realVersusRealFd(source.evalImages, features);
    const baseline = meanColourBaseline(source.evalImages, features, cfg.batchSize);

    const records = readCurves(cfg.runDir);
    const stage = (s: string) => (r: CurveRecord) => r.stage === s;
    fs.writeFileSync(path.join(evalDir, 'loss.png'), encodePng(linePlot([{ points: curve(records, 'loss', stage('1a')) }, { points: curve(records, 'loss', stage('1b')) }], { logY: true })));
    const stage1a = records.find((r) => r.stage === '1a' && typeof r.eval === 'object')?.eval as Scores | undefined;

    const data = dataCardSections(dataDir, evalDir);
    const row = (name: string, m: Scores | undefined): string[] => (m === undefined ? [name, '–', '–', '–', '–'] : [name, `${m.psnr.toFixed(2)} dB`, m.ssim.toFixed(3), m.perceptual.toFixed(4), m.fd.toFixed(4)]);
    const bits = modelConfig.codeLength * modelConfig.contextDim;
    writeSummary(evalDir, {
      app: 'flowmo-train',
      title: `Tokenizer: FlowMo ${cfg.preset}`,
      description: `FlowMo \`${cfg.preset}\` (${model.numParameters().toLocaleString('en-US')} parameters, ${bits} bits per image = ${model.bitsPerPixel().toFixed(4)} bpp) trained on ${cfg.data} for ${cfg.stage1aSteps} Stage 1A (mode matching, lr ${cfg.lr}) + ${cfg.stage1bSteps} Stage 1B (mode seeking, lr ${cfg.lr1b}) steps × ${cfg.batchSize} (${step} in all), seed ${cfg.seed}. Scored: the EMA weights on ${source.evalImages.shape[0]} evaluation images, sampler ${cfg.evalSteps} steps, ρ ${cfg.rho}, CFG ${cfg.cfg}; perceptual distance and FD use the trainer's fixed random-conv features, so they compare only with each other. FlowMo trains for ~10⁶ steps: a run this short reconstructs little (even the trainer's 300 + 30-step default stays below the mean-colour baseline, see its README).`,
      headline: [
        { label: 'reconstruction PSNR / SSIM', value: `${scores.psnr.toFixed(2)} dB / ${scores.ssim.toFixed(3)}` },
        { label: 'bits per pixel', value: model.bitsPerPixel().toFixed(4) },
      ],
      metrics: { ...scores, realFd, bpp: model.bitsPerPixel(), step, params: model.numParameters() },
      tables: [
        data.table,
        {
          title: 'Reconstruction (evaluation images)',
          columns: ['', 'PSNR', 'SSIM', 'perceptual ↓', 'FD ↓'],
          rows: [row('after Stage 1A (trainer log)', stage1a), row(`after Stage 1B (checkpoint, step ${step})`, scores), row('mean-colour baseline', baseline), ['real vs real (FD floor)', '', '', '', realFd.toFixed(4)]],
        },
      ],
      figures: [
        { file: 'reconstructions.png', caption: 'Evaluation images (top) and their reconstructions from the codes (bottom)' },
        { file: 'loss.png', caption: 'Total training loss by step, log scale (blue: Stage 1A, orange: Stage 1B)' },
        data.figure,
      ],
    });
    return scores;
  } finally {
    features.dispose();
    model.dispose();
    source.dispose();
  }
}
