import { AdamW, layerDecayGroups, weightDecayGroups } from '@patchwork/layers';
import type { ParamGroup } from '@patchwork/layers';
import { tf } from '@patchwork/tensor-core';
import type { VisionTransformer } from '@patchwork/vit';
import type { ClassifyConfig } from './config.js';
import { trainBatches } from './data.js';
import type { TensorSplit } from './data.js';
import { loadEncoderInit } from './encoder-init.js';
import { buildFinetuneModel } from './encoder-models.js';
import { predict } from './evaluate.js';
import { buildModel } from './models.js';
import type { BuiltModel } from './models.js';
import { checkImageShape } from './task.js';
import type { TrainingTask } from './task.js';

/**
 * Scratch and fine-tune modes: the whole classifier trains on image batches (random flips) with
 * AdamW and label-smoothed cross-entropy. Fine-tuning starts from an MAE encoder and uses MAE's
 * layer-wise learning-rate decay (`param_groups_lrd`: no weight decay on biases, norms,
 * `cls_token` and `pos_embed`).
 */
export function imageTask(cfg: ClassifyConfig, train: TensorSplit, test: TensorSplit): TrainingTask {
  const numClasses = train.classNames.length;
  const [, size, , channels] = train.images.shape;
  const facts: [string, string][] = [['mode', cfg.mode]];
  let built: BuiltModel;
  let groups: ParamGroup[];
  let modelName = cfg.model;
  if (cfg.mode === 'finetune') {
    const init = loadEncoderInit(cfg.init!, cfg.seed);
    let vit: BuiltModel & { model: VisionTransformer };
    try {
      checkImageShape(`the encoder of ${init.name}`, init.config, train.images);
      vit = buildFinetuneModel(init, { numClasses, globalPool: cfg.globalPool ?? 'avg', dropPath: cfg.dropPath, seed: cfg.seed });
    } finally {
      init.dispose();
    }
    built = vit;
    groups = layerDecayGroups(vit.model, { weightDecay: cfg.weightDecay, layerDecay: cfg.layerDecay, numLayers: vit.model.blocks.length, noWeightDecay: ['cls_token', 'pos_embed'] });
    modelName = `finetune:${init.name}`;
    facts.push(['initialised from', init.source], ['layer decay', String(cfg.layerDecay)]);
  } else {
    built = buildModel(cfg.model, { inChannels: channels, imageSize: size, numClasses, seed: cfg.seed, dropPath: cfg.dropPath });
    groups = weightDecayGroups(built.model, { weightDecay: cfg.weightDecay });
  }
  const model = built.model;
  const optimizer = new AdamW(groups, { lr: cfg.lr, weightDecay: cfg.weightDecay });
  return {
    modelName,
    modelConfig: built.config,
    model,
    optimizer,
    batches: (start) => trainBatches(train, cfg.batchSize, cfg.seed, { flip: cfg.flip, shift: cfg.shift }, start),
    loss: (b) => tf.losses.softmaxCrossEntropy(b.y, model.forward(b.x), undefined, cfg.labelSmoothing) as tf.Scalar,
    predictTest: () => predict(model, test),
    facts,
    dispose: () => {
      optimizer.dispose();
      model.dispose();
    },
  };
}
