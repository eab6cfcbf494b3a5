import fs from 'node:fs';
import path from 'node:path';
import { curve, dataCardSections, readCurves, writeSummary } from '@patchwork/pipeline';
import { loadCheckpointWeights } from '@patchwork/tensor-core/node';
import { encodePng, linePlot } from '@patchwork/train';
import type { ClassifyConfig } from '../config.js';
import { loadSplit } from '../data.js';
import { predict, scores } from '../evaluate.js';
import { buildModel } from '../models.js';
import { predictionGrid } from '../report.js';

/** Where {@link evaluateRun} reads the prepared data card and writes its results. */
export interface EvalDirs {
  dataDir: string;
  evalDir: string;
}

/**
 * The pipeline's `eval` step: rebuild the model of `cfg`, load the latest checkpoint of
 * `cfg.runDir` (refused if it belongs to another model), score the test split and write
 * `summary.json` with the loss curve, a prediction sheet and the confusion matrix. Returns the
 * test accuracy.
 */
export function evaluateRun(cfg: ClassifyConfig, { dataDir, evalDir }: EvalDirs): number {
  const test = loadSplit(cfg.data, 'test', cfg.testLimit);
  const [, size, , channels] = test.images.shape;
  const K = test.classNames.length;
  const { model, config } = buildModel(cfg.model, { inChannels: channels, imageSize: size, numClasses: K, seed: cfg.seed });
  try {
    const step = loadCheckpointWeights(path.join(cfg.runDir, 'checkpoints'), model, { expectModel: { name: cfg.model, config } });
    model.eval();
    const predictions = predict(model, test);
    const { accuracy, confusion } = scores(predictions, test.raw.labels, K);
    fs.writeFileSync(path.join(evalDir, 'loss.png'), encodePng(linePlot([{ points: curve(readCurves(cfg.runDir), 'loss') }], { logY: true })));
    fs.writeFileSync(path.join(evalDir, 'predictions.png'), encodePng(predictionGrid(test.raw, predictions, 8, 4)));
    const data = dataCardSections(dataDir, evalDir);
    const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;
    const perClass = confusion.map((row, i) => row[i]! / Math.max(1, row.reduce((a, b) => a + b, 0)));
    writeSummary(evalDir, {
      app: 'classify',
      title: `Classification: ${cfg.model} on Fashion-MNIST`,
      description: `\`${cfg.model}\` (${model.numParameters().toLocaleString('en-US')} parameters) trained for ${step} steps × ${cfg.batchSize} with AdamW (lr ${cfg.lr}, cosine after ${cfg.warmup} warmup steps, weight decay ${cfg.weightDecay}${cfg.flip ? ', random flips' : ''}), seed ${cfg.seed}; scored on the ${test.count} test images from the latest checkpoint.`,
      headline: [{ label: 'test top-1', value: pct(accuracy) }],
      metrics: { testAccuracy: accuracy, step, params: model.numParameters() },
      tables: [
        data.table,
        { title: 'Per-class test accuracy', columns: ['class', 'images', 'accuracy'], rows: test.classNames.map((name, i) => [`${i} ${name}`, String(confusion[i]!.reduce((a, b) => a + b, 0)), pct(perClass[i]!)]) },
        { title: 'Confusion matrix (rows: true class, columns: predicted)', columns: ['', ...test.classNames.map((_, i) => String(i))], rows: confusion.map((row, i) => [`${i} ${test.classNames[i]}`, ...row.map(String)]) },
      ],
      figures: [
        { file: 'loss.png', caption: 'Training loss by step (log scale)' },
        { file: 'predictions.png', caption: 'The first 32 test images: green frame = correct, red = wrong' },
        data.figure,
      ],
    });
    return accuracy;
  } finally {
    model.dispose();
    test.dispose();
  }
}
