import path from 'node:path';
import { AdamW, cosineSchedule, polySchedule, weightDecayGroups } from '@patchwork/layers';
import { MaskedAutoencoderViT } from '@patchwork/mae';
import type { SegmentationScores } from '@patchwork/metrics';
import { Rng, backendInfo, tf } from '@patchwork/tensor-core';
import { writeSafetensorsFile } from '@patchwork/tensor-core/node';
import { fit } from '@patchwork/train';
import type { MaePretrainConfig, SegmentConfig } from './config.js';
import { loadData, maePipeline, trainBatches, trainPipeline } from './data.js';
import { evaluate } from './evaluate.js';
import type { EvalSpec } from './evaluate.js';
import { buildSegmenter } from './models.js';
import { writeReport } from './report.js';

/** What a fine-tuning run produced. */
export interface SegmentResult {
  scores: SegmentationScores;
  firstLoss: number;
  lastLoss: number;
  params: number;
  imagesPerSecond: number;
  reportPath: string;
}

/** Train, evaluate on the held-out split and report one segmentation run. */
export async function runSegmentTrain(cfg: SegmentConfig): Promise<SegmentResult> {
  const data = await loadData(cfg);
  const channels = data.train[0]!.image.channels;
  const numClasses = data.classNames.length;
  const { model, config: modelConfig, optimizer } = buildSegmenter(cfg, numClasses, channels);
  const pipeline = trainPipeline(cfg.imageSize, cfg.augment);
  const evalSpec: EvalSpec = {
    imageSize: cfg.imageSize,
    batchSize: cfg.batchSize,
    numClasses,
    inference: cfg.testMode === 'slide' ? { mode: 'slide', crop: cfg.crop, stride: cfg.stride } : { mode: 'whole' },
    variableSize: data.variableSize,
    keep: cfg.overlays,
  };
  try {
    const result = await fit({
      modelName: `segment-train/${cfg.model}`,
      modelConfig,
      model,
      optimizer,
      steps: cfg.steps,
      batches: (start) => trainBatches(data.train, pipeline, cfg.batchSize, cfg.seed, start),
      loss: (b) => model.loss(b.images, b.labels),
      disposeBatch: (b) => tf.dispose([b.images, b.labels]),
      schedule: polySchedule({ lr: cfg.lr, total: cfg.steps, power: cfg.polyPower, minLr: cfg.minLr, warmup: cfg.warmup, warmupRatio: cfg.warmupRatio }),
      clipNorm: cfg.clipNorm,
      runDir: cfg.runDir,
      checkpointEvery: cfg.checkpointEvery,
      resume: cfg.resume,
      evalEvery: cfg.evalEvery,
      evaluate: cfg.evalEvery > 0 ? () => ({ mIoU: evaluate(model, data.test, { ...evalSpec, keep: 0 }).scores.mIoU }) : undefined,
      progress: `train ${cfg.model}`,
    });
    const { scores, samples } = evaluate(model, data.test, evalSpec);
    const ran = result.step - result.startStep;
    const imagesPerSecond = ran > 0 ? (ran * cfg.batchSize) / result.seconds : 0;
    const info = backendInfo();
    const reportPath = writeReport(path.join(cfg.runDir, 'report'), {
      title: `Segmentation report: ${cfg.model} on ${cfg.data}${cfg.pretrained === undefined ? '' : ' (MAE-pretrained backbone)'}`,
      config: cfg,
      backend: info.name,
      threads: info.threads,
      params: model.numParameters(),
      losses: result.losses.map((l, i) => [result.startStep + i + 1, l]),
      scores,
      classNames: data.classNames,
      trainSeconds: result.seconds,
      imagesPerSecond,
      samples,
    });
    return { scores, firstLoss: result.losses[0] ?? Number.NaN, lastLoss: result.losses.at(-1) ?? Number.NaN, params: model.numParameters(), imagesPerSecond, reportPath };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/** What a pre-training run produced. */
export interface MaeResult {
  firstLoss: number;
  lastLoss: number;
  /** The encoder weights (MAE's encoder-only checkpoint layout), for `--pretrained`. */
  encoderPath: string;
}

/**
 * MAE pre-training (He et al., 2022) of the ViT encoder on the training images of the same data
 * (labels unused): 75% of the patches masked, per-patch-normalised pixel targets, AdamW β₂ 0.95
 * with a warmup + cosine schedule, checkpoints and resume through `fit`. Writes
 * `mae-encoder.safetensors` into the run folder.
 */
export async function runMaePretrain(cfg: MaePretrainConfig): Promise<MaeResult> {
  const data = await loadData(cfg);
  const channels = data.train[0]!.image.channels;
  const { imageSize, patchSize, embedDim, depth, numHeads, decoderEmbedDim, decoderDepth, decoderNumHeads, normPixLoss, maskRatio } = cfg;
  const maeConfig = { imgSize: imageSize, patchSize, inChans: channels, embedDim, depth, numHeads, decoderEmbedDim, decoderDepth, decoderNumHeads, normPixLoss };
  // One generator for init and the masks; fit checkpoints its state, so a resumed run draws the same masks.
  const rng = new Rng(cfg.seed);
  const model = new MaskedAutoencoderViT(maeConfig, { rng });
  const optimizer = new AdamW(weightDecayGroups(model, { weightDecay: cfg.weightDecay }), { lr: cfg.lr, betas: [0.9, 0.95], weightDecay: cfg.weightDecay });
  const pipeline = maePipeline(imageSize, cfg.augment);
  try {
    const result = await fit({
      modelName: 'segment-train/mae',
      modelConfig: { ...maeConfig, maskRatio },
      model,
      optimizer,
      steps: cfg.steps,
      batches: (start) => trainBatches(data.train, pipeline, cfg.batchSize, cfg.seed, start),
      loss: (b) => model.forward(b.images, { maskRatio }).loss,
      disposeBatch: (b) => tf.dispose([b.images, b.labels]),
      schedule: cosineSchedule({ lr: cfg.lr, total: cfg.steps, warmup: cfg.warmup }),
      runDir: cfg.runDir,
      checkpointEvery: cfg.checkpointEvery,
      resume: cfg.resume,
      rng,
      progress: 'pretrain mae',
    });
    const encoderPath = path.join(cfg.runDir, 'mae-encoder.safetensors');
    const encoder = model.encoderStateDict();
    try {
      writeSafetensorsFile(encoderPath, encoder, { source: 'segment-train pretrain-mae', format: 'pt' });
    } finally {
      tf.dispose(Object.values(encoder));
    }
    return { firstLoss: result.losses[0] ?? Number.NaN, lastLoss: result.losses.at(-1) ?? Number.NaN, encoderPath };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
