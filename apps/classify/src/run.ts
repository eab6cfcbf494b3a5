import path from 'node:path';
import { cosineSchedule } from '@patchwork/layers';
import { backendInfo } from '@patchwork/tensor-core';
import { fit } from '@patchwork/train';
import type { ClassifyConfig } from './config.js';
import { loadSplit } from './data.js';
import { scores } from './evaluate.js';
import { imageTask } from './image-task.js';
import { probeTask } from './probe-task.js';
import { writeReport } from './report.js';

/** What a training run produced. */
export interface ClassifyResult {
  testAccuracy: number;
  firstLoss: number;
  lastLoss: number;
  /** Loss of every step this call ran. */
  losses: number[];
  params: number;
  /** Training examples per second in the optimisation steps (linprobe: feature rows, excluding the one-off encoding). */
  imagesPerSecond: number;
  /** Wall-clock seconds of the whole run (data, encoding, training, evaluation, report). */
  wallSeconds: number;
  reportPath: string;
}

/** Train, evaluate and report one run of the classification trainer in any mode. */
export async function runClassify(cfg: ClassifyConfig): Promise<ClassifyResult> {
  const t0 = performance.now();
  const train = loadSplit(cfg.data, 'train', cfg.trainLimit);
  const test = loadSplit(cfg.data, 'test', cfg.testLimit);
  try {
    const task = cfg.mode === 'linprobe' ? probeTask(cfg, train, test) : imageTask(cfg, train, test);
    try {
      const { model } = task;
      const accuracy = (): number => scores(task.predictTest(), test.raw.labels, test.classNames.length).accuracy;
      const result = await fit({
        modelName: task.modelName,
        modelConfig: task.modelConfig,
        model,
        optimizer: task.optimizer,
        steps: cfg.steps,
        batches: task.batches,
        loss: task.loss,
        disposeBatch: (b) => {
          b.x.dispose();
          b.y.dispose();
        },
        schedule: cosineSchedule({ lr: cfg.lr, minLr: cfg.minLr, total: cfg.steps, warmup: cfg.warmup }),
        clipNorm: cfg.clipNorm,
        runDir: cfg.runDir,
        checkpointEvery: cfg.checkpointEvery,
        resume: cfg.resume,
        evalEvery: cfg.evalEvery,
        evaluate: cfg.evalEvery > 0 ? () => ({ testAccuracy: accuracy() }) : undefined,
        progress: `${cfg.mode} ${task.modelName}`,
      });
      model.eval();
      const predictions = task.predictTest();
      const { accuracy: testAccuracy, confusion } = scores(predictions, test.raw.labels, test.classNames.length);
      const ran = result.step - result.startStep;
      const imagesPerSecond = ran > 0 ? (ran * cfg.batchSize) / result.seconds : 0;
      const info = backendInfo();
      const wallSeconds = (performance.now() - t0) / 1000;
      const reportPath = writeReport(path.join(cfg.runDir, 'report'), {
        config: cfg,
        backend: info.name,
        threads: info.threads,
        params: model.numParameters(),
        losses: result.losses.map((l, i) => [result.startStep + i + 1, l]),
        testAccuracy,
        trainSeconds: result.seconds,
        wallSeconds,
        imagesPerSecond,
        facts: task.facts,
        test: test.raw,
        predictions,
        confusion,
      });
      return {
        testAccuracy,
        firstLoss: result.losses[0] ?? Number.NaN,
        lastLoss: result.losses.at(-1) ?? Number.NaN,
        losses: result.losses,
        params: model.numParameters(),
        imagesPerSecond,
        wallSeconds,
        reportPath,
      };
    } finally {
      task.dispose();
    }
  } finally {
    train.dispose();
    test.dispose();
  }
}
