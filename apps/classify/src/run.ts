import path from 'node:path';
import { AdamW, cosineSchedule, weightDecayGroups } from '@patchwork/layers';
import { backendInfo, tf } from '@patchwork/tensor-core';
import { fit } from '@patchwork/train';
import type { ClassifyConfig } from './config.js';
import { loadSplit, trainBatches } from './data.js';
import { predict, scores } from './evaluate.js';
import { buildModel } from './models.js';
import { writeReport } from './report.js';

/** What a training run produced. */
export interface ClassifyResult {
  testAccuracy: number;
  firstLoss: number;
  lastLoss: number;
  params: number;
  imagesPerSecond: number;
  reportPath: string;
}

/** Train, evaluate and report one run of the classification trainer. */
export async function runClassify(cfg: ClassifyConfig): Promise<ClassifyResult> {
  const train = loadSplit(cfg.data, 'train', cfg.trainLimit);
  const test = loadSplit(cfg.data, 'test', cfg.testLimit);
  const [, size, , channels] = train.images.shape;
  const { model, config: modelConfig } = buildModel(cfg.model, { inChannels: channels, imageSize: size, numClasses: train.classNames.length, seed: cfg.seed });
  const optimizer = new AdamW(weightDecayGroups(model, { weightDecay: cfg.weightDecay }), { lr: cfg.lr, weightDecay: cfg.weightDecay });
  try {
    const result = await fit({
      modelName: cfg.model,
      modelConfig,
      model,
      optimizer,
      steps: cfg.steps,
      batches: (start) => trainBatches(train, cfg.batchSize, cfg.seed, cfg.flip, start),
      loss: (b) => tf.losses.softmaxCrossEntropy(b.y, model.forward(b.x)) as tf.Scalar,
      disposeBatch: (b) => tf.dispose([b.x, b.y]),
      schedule: cosineSchedule({ lr: cfg.lr, minLr: cfg.minLr, total: cfg.steps, warmup: cfg.warmup }),
      clipNorm: cfg.clipNorm,
      runDir: cfg.runDir,
      checkpointEvery: cfg.checkpointEvery,
      resume: cfg.resume,
      evalEvery: cfg.evalEvery,
      evaluate: cfg.evalEvery > 0 ? () => ({ testAccuracy: scores(predict(model, test), test.raw.labels, test.classNames.length).accuracy }) : undefined,
      progress: `train ${cfg.model}`,
    });
    model.eval();
    const predictions = predict(model, test);
    const { accuracy: testAccuracy, confusion } = scores(predictions, test.raw.labels, test.classNames.length);
    const ran = result.step - result.startStep;
    const imagesPerSecond = ran > 0 ? (ran * cfg.batchSize) / result.seconds : 0;
    const info = backendInfo();
    const reportPath = writeReport(path.join(cfg.runDir, 'report'), {
      config: cfg,
      backend: info.name,
      threads: info.threads,
      params: model.numParameters(),
      losses: result.losses.map((l, i) => [result.startStep + i + 1, l]),
      testAccuracy,
      trainSeconds: result.seconds,
      imagesPerSecond,
      test: test.raw,
      predictions,
      confusion,
    });
    return { testAccuracy, firstLoss: result.losses[0] ?? Number.NaN, lastLoss: result.losses.at(-1) ?? Number.NaN, params: model.numParameters(), imagesPerSecond, reportPath };
  } finally {
    optimizer.dispose();
    model.dispose();
    train.dispose();
    test.dispose();
  }
}
