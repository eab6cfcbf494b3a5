import fs from 'node:fs';
import path from 'node:path';
import type { SegmentationScores } from '@patchwork/metrics';
import { curve, dataCardSections, readCurves, writeSummary } from '@patchwork/pipeline';
import { loadCheckpointWeights } from '@patchwork/tensor-core/node';
import { encodePng, linePlot } from '@patchwork/train';
import type { SegmentConfig } from '../config.js';
import { loadData } from '../data.js';
import { evaluate } from '../evaluate.js';
import { buildSegmenter } from '../models.js';
import { overlayGrid } from '../report.js';

/** Where {@link evaluateRun} reads the prepared data card and writes its results. */
export interface EvalDirs {
  dataDir: string;
  evalDir: string;
}

/**
 * The pipeline's `eval` step: rebuild the model of `cfg`, load the latest checkpoint of
 * `cfg.runDir` (refused if it belongs to another model), score the held-out split with mmseg's
 * protocol, and write `summary.json` with per-class IoU/Acc, the loss curve and overlays.
 */
export async function evaluateRun(cfg: SegmentConfig, { dataDir, evalDir }: EvalDirs): Promise<SegmentationScores> {
  const data = await loadData(cfg);
  const K = data.classNames.length;
  const { model, config, optimizer } = buildSegmenter(cfg, K, data.train[0]!.image.channels);
  optimizer.dispose();
  try {
    const step = loadCheckpointWeights(path.join(cfg.runDir, 'checkpoints'), model, { expectModel: { name: `segment-train/${cfg.model}`, config } });
    const { scores, samples } = evaluate(model, data.test, {
      imageSize: cfg.imageSize,
      batchSize: cfg.batchSize,
      numClasses: K,
      inference: cfg.testMode === 'slide' ? { mode: 'slide', crop: cfg.crop, stride: cfg.stride } : { mode: 'whole' },
      variableSize: data.variableSize,
      keep: cfg.overlays,
    });
    fs.writeFileSync(path.join(evalDir, 'loss.png'), encodePng(linePlot([{ points: curve(readCurves(cfg.runDir), 'loss') }], { logY: true })));
    const figures = [{ file: 'loss.png', caption: 'Training loss by step (log scale)' }];
    if (samples.length > 0) {
      fs.writeFileSync(path.join(evalDir, 'overlays.png'), encodePng(overlayGrid(samples, K)));
      figures.push({ file: 'overlays.png', caption: 'Held-out images: image | ground truth | prediction' });
    }
    const cardSections = dataCardSections(dataDir, evalDir);
    const pct = (v: number): string => (Number.isNaN(v) ? 'n/a' : `${(100 * v).toFixed(2)}%`);
    writeSummary(evalDir, {
      app: 'segment-train',
      title: `Segmentation: ${cfg.model} on ${cfg.data}`,
      description: `\`${cfg.model}\` (${model.numParameters().toLocaleString('en-US')} parameters${cfg.model === 'vit-upernet' ? `; ViT d${cfg.embedDim} × ${cfg.depth}, patch ${cfg.patchSize}` : `; ${cfg.mobilenet}`}) trained from random initialisation for ${step} steps × ${cfg.batchSize} on ${data.train.length} images (AdamW lr ${cfg.lr}, poly schedule after ${cfg.warmup} warmup steps${cfg.augment ? ', joint crop/flip/colour augmentation' : ''}), seed ${cfg.seed}. Scores follow mmsegmentation's IoUMetric over the ${data.test.length} held-out images.`,
      headline: [
        { label: 'held-out mIoU', value: pct(scores.mIoU) },
        { label: 'mAcc / aAcc', value: `${pct(scores.mAcc)} / ${pct(scores.aAcc)}` },
      ],
      metrics: { mIoU: scores.mIoU, mAcc: scores.mAcc, aAcc: scores.aAcc, step, params: model.numParameters(), ...Object.fromEntries(data.classNames.map((n, c) => [`iou/${n}`, scores.iou[c]!])) },
      tables: [cardSections.table, { title: 'Per class (held-out)', columns: ['class', 'IoU', 'Acc'], rows: data.classNames.map((n, c) => [`${c} ${n}`, pct(scores.iou[c]!), pct(scores.acc[c]!)]) }],
      figures: [...figures, cardSections.figure],
    });
    return scores;
  } finally {
    model.dispose();
  }
}
