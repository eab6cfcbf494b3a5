import { loadMaeEncoder } from '@patchwork/mae';
import type { MaeConfig } from '@patchwork/mae';
import { Rng } from '@patchwork/tensor-core';
import { VisionTransformer } from '@patchwork/vit';
import type { EncoderInit } from './encoder-init.js';
import { LinearProbe } from './linear-probe.js';
import type { BuiltModel } from './models.js';

/** Options for the classifiers built on an MAE encoder. */
export interface EncoderModelSpec {
  numClasses: number;
  globalPool: 'token' | 'avg';
  /** Stochastic depth of the last block (fine-tuning). */
  dropPath?: number;
  seed: number;
}

/**
 * The classification ViT with the architecture of an MAE encoder, as MAE's `models_vit`: the same
 * patch size, width, depth, heads, MLP ratio and LayerNorm eps, qkv bias, a class token and a
 * learned position embedding (initialised from MAE's fixed sin-cos one). `globalPool: 'avg'` pools
 * the patch tokens through a fresh `fc_norm` instead of the final norm, as MAE's `--global_pool`.
 */
export function vitForMae(config: MaeConfig, spec: EncoderModelSpec & { rng: Rng }): VisionTransformer {
  return new VisionTransformer(
    {
      imgSize: config.imgSize,
      patchSize: config.patchSize,
      inChans: config.inChans,
      embedDim: config.embedDim,
      depth: config.depth,
      numHeads: config.numHeads,
      mlpRatio: config.mlpRatio,
      normEps: config.normEps,
      qkvBias: true,
      numClasses: spec.numClasses,
      globalPool: spec.globalPool,
      dropPathRate: spec.dropPath ?? 0,
    },
    { rng: spec.rng },
  );
}

/**
 * Fine-tuning model (MAE `main_finetune.py`): the encoder weights loaded into a ViT classifier
 * whose head starts at trunc-normal std 2e-5, every parameter trainable.
 */
export function buildFinetuneModel(init: EncoderInit, spec: EncoderModelSpec): BuiltModel & { model: VisionTransformer } {
  const rng = new Rng(spec.seed);
  const vit = vitForMae(init.config, { ...spec, rng });
  try {
    loadMaeEncoder(vit, init.weights, { rng });
  } catch (err) {
    vit.dispose();
    throw err;
  }
  return { model: vit, config: { mode: 'finetune', mae: init.config, numClasses: spec.numClasses, globalPool: spec.globalPool, dropPath: spec.dropPath ?? 0 } };
}

/**
 * Linear-probe model (MAE `main_linprobe.py`): the frozen encoder (no head, drop path 0) and a
 * `BatchNorm1d(affine=False, eps=1e-6)` + Linear head whose weight starts at trunc-normal std 0.01.
 */
export function buildLinearProbe(init: EncoderInit, spec: EncoderModelSpec): BuiltModel & { model: LinearProbe } {
  const rng = new Rng(spec.seed);
  const vit = vitForMae(init.config, { ...spec, numClasses: 0, dropPath: 0, rng });
  try {
    loadMaeEncoder(vit, init.weights, { rng });
  } catch (err) {
    vit.dispose();
    throw err;
  }
  return { model: new LinearProbe(vit, spec.numClasses, { rng }), config: { mode: 'linprobe', mae: init.config, numClasses: spec.numClasses, globalPool: spec.globalPool } };
}
