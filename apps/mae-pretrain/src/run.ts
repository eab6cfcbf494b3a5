import path from 'node:path';
import { AdamW, cosineSchedule, weightDecayGroups } from '@patchwork/layers';
import { MAE_PRESETS, createMae, reconstructionPanels } from '@patchwork/mae';
import type { MaskedAutoencoderViT } from '@patchwork/mae';
import { PatchworkError, Rng, backendInfo, tf } from '@patchwork/tensor-core';
import { fit } from '@patchwork/train';
import type { MaePretrainConfig } from './config.js';
import { PIXELS, imageBatches, loadImages, slice } from './data.js';
import { heldOutLoss } from './held-out-loss.js';
import type { ImageSplit } from './data.js';
import { encoderFeatures, ridgeProbeAccuracy } from './probe.js';
import { writeReport } from './report.js';

/** What a pre-training run produced. */
export interface MaePretrainResult {
  firstLoss: number;
  lastLoss: number;
  testLoss: number;
  probe: { before: { cls: number; avg: number }; after: { cls: number; avg: number } };
  params: number;
  imagesPerSecond: number;
  reportPath: string;
}

const EVAL_IMAGES = 500;

/** Pre-train, evaluate (held-out masked loss, linear probes before/after) and report one run. */
export async function runMaePretrain(cfg: MaePretrainConfig): Promise<MaePretrainResult> {
  if (!Object.hasOwn(MAE_PRESETS, cfg.preset)) throw new PatchworkError('E_ARGUMENT', `unknown preset '${cfg.preset}'; known: ${Object.keys(MAE_PRESETS).join(', ')}`);
  const train = loadImages(cfg.data, 'train', cfg.trainLimit);
  const test = loadImages(cfg.data, 'test', cfg.testLimit);
  // The model's Rng draws the masking noise; fit() checkpoints it, so a resumed run keeps its mask sequence.
  const rng = new Rng(cfg.seed);
  const mae = createMae(cfg.preset, { normPixLoss: cfg.normPixLoss }, { rng });
  const [, h, w, ch] = train.images.shape;
  const { imgSize, inChans } = mae.config;
  const optimizer = new AdamW(weightDecayGroups(mae, { weightDecay: cfg.weightDecay }), { lr: cfg.lr, betas: [0.9, 0.95], weightDecay: cfg.weightDecay });
  // Fixed masks for the held-out loss and the figure, so evaluations are comparable across steps.
  const evalCount = Math.min(EVAL_IMAGES, test.count);
  const evalNoise = new Rng(cfg.seed + 1).uniform([evalCount, mae.numPatches]) as tf.Tensor2D;
  try {
    if (h !== imgSize || w !== imgSize || ch !== inChans) {
      throw new PatchworkError('E_ARGUMENT', `preset ${cfg.preset} takes ${imgSize}×${imgSize}×${inChans} images, the data is ${h}×${w}×${ch}`);
    }
    mae.eval();
    const before = probe(mae, train, test, cfg.probeImages);
    const testLosses: [number, number][] = [];
    const result = await fit({
      modelName: cfg.preset,
      modelConfig: mae.config,
      model: mae,
      optimizer,
      steps: cfg.steps,
      batches: (start) => imageBatches(train, cfg.batchSize, cfg.seed, start),
      loss: (x) => mae.forward(x, { maskRatio: cfg.maskRatio }).loss,
      disposeBatch: (x) => x.dispose(),
      schedule: cosineSchedule({ lr: cfg.lr, minLr: cfg.minLr, total: cfg.steps, warmup: cfg.warmup }),
      runDir: cfg.runDir,
      checkpointEvery: cfg.checkpointEvery,
      resume: cfg.resume,
      rng,
      evalEvery: cfg.evalEvery,
      evaluate: (step) => {
        const testLoss = heldOutLoss(mae, test, evalNoise, cfg.maskRatio);
        testLosses.push([step, testLoss]);
        return { testLoss };
      },
      progress: `mae ${cfg.preset}`,
    });
    mae.eval();
    const after = probe(mae, train, test, cfg.probeImages);
    const figureImages = slice(test, 0, 8);
    const figureNoise = tf.slice(evalNoise, [0, 0], [figureImages.shape[0], -1]);
    const figures = reconstructionPanels(mae, figureImages, figureNoise, cfg.maskRatio, PIXELS);
    const ran = result.step - result.startStep;
    const imagesPerSecond = ran > 0 ? (ran * cfg.batchSize) / result.seconds : 0;
    const info = backendInfo();
    const reportPath = writeReport(path.join(cfg.runDir, 'report'), {
      config: cfg,
      backend: info.name,
      threads: info.threads,
      params: mae.numParameters(),
      paramsTorch: mae.numParametersTorch(),
      losses: result.losses.map((l, i) => [result.startStep + i + 1, l]),
      testLosses,
      probe: { before, after },
      trainSeconds: result.seconds,
      imagesPerSecond,
      figures,
    });
    tf.dispose([figureImages, figureNoise, ...Object.values(figures)]);
    return {
      firstLoss: result.losses[0] ?? Number.NaN,
      lastLoss: result.losses.at(-1) ?? Number.NaN,
      testLoss: result.metrics['testLoss'] ?? Number.NaN,
      probe: { before, after },
      params: mae.numParameters(),
      imagesPerSecond,
      reportPath,
    };
  } finally {
    evalNoise.dispose();
    optimizer.dispose();
    mae.dispose();
    train.dispose();
    test.dispose();
  }
}


/** Linear-probe test accuracy of the encoder's class token and mean patch token, on the first `limit` images of each split. */
function probe(mae: MaskedAutoencoderViT, train: ImageSplit, test: ImageSplit, limit?: number): { cls: number; avg: number } {
  const take = (s: ImageSplit): { images: tf.Tensor4D; labels: ArrayLike<number> } => {
    const n = Math.min(limit ?? s.count, s.count);
    return { images: slice(s, 0, n), labels: s.raw.labels.subarray(0, n) };
  };
  const [a, b] = [take(train), take(test)];
  try {
    const tr = encoderFeatures(mae, a.images);
    const te = encoderFeatures(mae, b.images);
    const classes = train.raw.classNames.length;
    const accuracy = (k: 'cls' | 'avg'): number => ridgeProbeAccuracy({ x: tr[k], y: a.labels }, { x: te[k], y: b.labels }, tr.dim, classes);
    return { cls: accuracy('cls'), avg: accuracy('avg') };
  } finally {
    tf.dispose([a.images, b.images]);
  }
}
