import fs from 'node:fs';
import path from 'node:path';
import { createMae, reconstructionPanels } from '@patchwork/mae';
import type { MaskedAutoencoderViT } from '@patchwork/mae';
import { curve, dataCardSections, readCurves, writeSummary } from '@patchwork/pipeline';
import { Rng, tf } from '@patchwork/tensor-core';
import { loadCheckpointWeights } from '@patchwork/tensor-core/node';
import { encodePng, linePlot } from '@patchwork/train';
import type { MaePretrainConfig } from '../config.js';
import { PIXELS, loadImages, slice } from '../data.js';
import { heldOutLoss } from '../held-out-loss.js';
import type { ImageSplit } from '../data.js';
import { encoderFeatures, ridgeProbeAccuracy } from '../probe.js';
import { grid } from '../report.js';

/** Where {@link evaluateRun} reads the prepared data card and writes its results. */
export interface EvalDirs {
  dataDir: string;
  evalDir: string;
}

/** Scores of a pre-trained MAE. */
export interface MaeScores {
  /** Mean masked-patch loss on the first 500 test images, masks fixed by the seed (as the trainer's). */
  testLoss: number;
  /** Ridge linear-probe test accuracy of the class token and mean patch token, at init and trained. */
  probe: { before: { cls: number; avg: number }; after: { cls: number; avg: number } };
}

const EVAL_IMAGES = 500;

/**
 * The pipeline's `eval` step: load the latest checkpoint of `cfg.runDir` into the preset's MAE
 * (refused if it belongs to another model), measure the held-out masked-patch loss and linear
 * probes against the same MAE at initialisation, and write `summary.json` with the loss curves,
 * reconstructions and the data card.
 */
export function evaluateRun(cfg: MaePretrainConfig, { dataDir, evalDir }: EvalDirs): MaeScores {
  const train = loadImages(cfg.data, 'train', cfg.trainLimit);
  const test = loadImages(cfg.data, 'test', cfg.testLimit);
  const init = createMae(cfg.preset, { normPixLoss: cfg.normPixLoss }, { rng: new Rng(cfg.seed) });
  const mae = createMae(cfg.preset, { normPixLoss: cfg.normPixLoss }, { rng: new Rng(cfg.seed) });
  const noise = new Rng(cfg.seed + 1).uniform([Math.min(EVAL_IMAGES, test.count), mae.numPatches]) as tf.Tensor2D;
  try {
    const step = loadCheckpointWeights(path.join(cfg.runDir, 'checkpoints'), mae, { expectModel: { name: cfg.preset, config: mae.config } });
    init.eval();
    mae.eval();
    const scores: MaeScores = { testLoss: heldOutLoss(mae, test, noise, cfg.maskRatio), probe: { before: probe(init, train, test), after: probe(mae, train, test) } };

    const records = readCurves(cfg.runDir);
    fs.writeFileSync(path.join(evalDir, 'loss.png'), encodePng(linePlot([{ points: curve(records, 'loss') }, { points: curve(records, 'testLoss') }])));
    const shown = slice(test, 0, 8);
    const shownNoise = tf.slice(noise, [0, 0], [shown.shape[0], -1]);
    const figures = reconstructionPanels(mae, shown, shownNoise, cfg.maskRatio, PIXELS);
    fs.writeFileSync(path.join(evalDir, 'reconstructions.png'), encodePng(grid([figures.original, figures.masked, figures.reconstruction, figures.pasted])));
    tf.dispose([shown, shownNoise, ...Object.values(figures)]);

    const data = dataCardSections(dataDir, evalDir);
    const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
    const { before, after } = scores.probe;
    writeSummary(evalDir, {
      app: 'mae-pretrain',
      title: `MAE pre-training: ${cfg.preset} on Fashion-MNIST`,
      description: `Masked autoencoder \`${cfg.preset}\` (${mae.numParameters().toLocaleString('en-US')} parameters) pre-trained for ${step} steps × ${cfg.batchSize}, mask ratio ${cfg.maskRatio}, ${cfg.normPixLoss ? 'per-patch normalised' : 'raw'} pixel targets, AdamW (β = 0.9, 0.95) lr ${cfg.lr} with ${cfg.warmup} warmup steps and cosine decay, seed ${cfg.seed}. Labels are used only by the linear probes (closed-form ridge on frozen encoder features, train split → test split), compared with the same network at initialisation.`,
      headline: [
        { label: 'held-out masked-patch loss', value: scores.testLoss.toFixed(4) },
        { label: 'linear probe (class token)', value: `${pct(before.cls)} → ${pct(after.cls)}` },
      ],
      metrics: { testLoss: scores.testLoss, probeClsBefore: before.cls, probeClsAfter: after.cls, probeAvgBefore: before.avg, probeAvgAfter: after.avg, step, params: mae.numParameters() },
      tables: [
        data.table,
        {
          title: 'Linear probes (test top-1)',
          columns: ['features', 'at initialisation', 'pre-trained'],
          rows: [
            ['class token', pct(before.cls), pct(after.cls)],
            ['mean patch token', pct(before.avg), pct(after.avg)],
          ],
        },
      ],
      figures: [
        { file: 'loss.png', caption: `Blue: training loss by step; orange: held-out masked-patch loss (first ${noise.shape[0]} test images, fixed masks)` },
        { file: 'reconstructions.png', caption: 'Rows: test images; masked input (grey = removed patches); reconstruction; reconstruction with the visible patches pasted back' },
        data.figure,
      ],
    });
    return scores;
  } finally {
    noise.dispose();
    init.dispose();
    mae.dispose();
    train.dispose();
    test.dispose();
  }
}


/** Ridge linear-probe test accuracy of the class token and the mean patch token. */
function probe(mae: MaskedAutoencoderViT, train: ImageSplit, test: ImageSplit): { cls: number; avg: number } {
  const tr = encoderFeatures(mae, train.images);
  const te = encoderFeatures(mae, test.images);
  const classes = train.raw.classNames.length;
  const accuracy = (k: 'cls' | 'avg'): number => ridgeProbeAccuracy({ x: tr[k], y: train.raw.labels }, { x: te[k], y: test.raw.labels }, tr.dim, classes);
  return { cls: accuracy('cls'), avg: accuracy('avg') };
}
