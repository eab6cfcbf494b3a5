import { AdamW, weightDecayGroups } from '@patchwork/layers';
import { tf } from '@patchwork/tensor-core';
import type { ClassifyConfig } from './config.js';
import { featureBatches } from './data.js';
import type { TensorSplit } from './data.js';
import { loadEncoderInit } from './encoder-init.js';
import { buildLinearProbe } from './encoder-models.js';
import type { LinearProbe } from './linear-probe.js';
import { predictRows } from './evaluate.js';
import { encodeImages } from './features.js';
import { checkImageShape } from './task.js';
import type { TrainingTask } from './task.js';

/**
 * Linear-probe mode (MAE `main_linprobe.py`, with AdamW in place of LARS): the frozen encoder
 * encodes the training images once (and their mirror images with `flip`, the probe's only
 * augmentation) and the test images once; then only the BatchNorm + Linear head trains, on
 * batches of those features, for as many epochs as `steps` asks.
 */
export function probeTask(cfg: ClassifyConfig, train: TensorSplit, test: TensorSplit): TrainingTask {
  const numClasses = train.classNames.length;
  const init = loadEncoderInit(cfg.init!, cfg.seed);
  let probe: LinearProbe;
  let modelConfig: Record<string, unknown>;
  try {
    checkImageShape(`the encoder of ${init.name}`, init.config, train.images);
    ({ model: probe, config: modelConfig } = buildLinearProbe(init, { numClasses, globalPool: cfg.globalPool ?? 'token', seed: cfg.seed }));
  } finally {
    init.dispose();
  }
  let xTrain: tf.Tensor2D;
  let xTest: tf.Tensor2D;
  try {
    xTrain = encodeImages(probe, train.images, { flip: cfg.flip, progress: 'encode train' });
    try {
      xTest = encodeImages(probe, test.images, { progress: 'encode test' });
    } catch (err) {
      xTrain.dispose();
      throw err;
    }
  } catch (err) {
    probe.dispose();
    throw err;
  }
  const optimizer = new AdamW(weightDecayGroups(probe, { weightDecay: cfg.weightDecay }), { lr: cfg.lr, weightDecay: cfg.weightDecay });
  const trainable = probe.parameters().filter((v) => v.trainable).reduce((n, v) => n + v.size, 0);
  return {
    modelName: `linprobe:${init.name}`,
    modelConfig,
    model: probe,
    optimizer,
    batches: (start) => featureBatches(xTrain, train.labels, numClasses, { batchSize: cfg.batchSize, seed: cfg.seed, flip: cfg.flip, startStep: start }),
    loss: (b) => tf.losses.softmaxCrossEntropy(b.y, probe.head.forward(b.x), undefined, cfg.labelSmoothing) as tf.Scalar,
    predictTest: () => predictRows((x) => probe.head.forward(x), xTest),
    facts: [
      ['mode', 'linprobe (frozen encoder, BatchNorm + Linear head)'],
      ['initialised from', init.source],
      ['features', cfg.globalPool === 'avg' ? 'mean patch token → fc_norm' : 'class token after the final norm'],
      ['trainable parameters', trainable.toLocaleString('en-US')],
    ],
    dispose: () => {
      tf.dispose([xTrain, xTest]);
      optimizer.dispose();
      probe.dispose();
    },
  };
}
