import { MAE_PRESETS } from '@patchwork/mae';
import { VIT_PRESETS } from '@patchwork/vit';

/** Workload ids of the results contract, in run order. */
export const WORKLOAD_IDS = ['gemm-1024', 'vit-ti-train', 'mnv2-0.5-train', 'mae-base-train', 'vit-b16-infer-b1', 'vit-b16-infer-b16', 'mnv2-1.0-infer-b1'] as const;

/** One of {@link WORKLOAD_IDS}. */
export type WorkloadId = (typeof WORKLOAD_IDS)[number];

/** How an iteration is built; both sides (Patchwork and `tooling/bench-torch`) build from the same spec. */
export type WorkloadKind = 'gemm' | 'vit-train' | 'mnv2-train' | 'mae-train' | 'vit-infer' | 'mnv2-infer';

/** The reported unit: throughput for training and batched inference, latency for GEMM and batch-1 inference. */
export type WorkloadUnit = 'img/s' | 'ms';

/**
 * A workload as data, sent as-is (JSON) to the PyTorch worker. `config` holds the architecture
 * with every field the two implementations need, in @patchwork/* names.
 */
export interface WorkloadSpec {
  id: WorkloadId;
  kind: WorkloadKind;
  unit: WorkloadUnit;
  /** Images per iteration (1 for GEMM). */
  batch: number;
  config: Record<string, number>;
  /** MAE only: fraction of patches removed. */
  maskRatio?: number;
  /**
   * Patchwork side only: run the batch as `batch / microBatch` gradient-accumulation steps, the same
   * AdamW update (every sample has the same number of masked patches, so the mean of the micro-batch
   * losses is the batch loss). PyTorch runs the batch whole.
   */
  microBatch?: number;
  /** What it is, for the README table. */
  title: string;
}

type Size = 'full' | 'smoke';

function vit(size: Size, full: Record<string, number>, smoke: Record<string, number>): Record<string, number> {
  return { inChans: 3, mlpRatio: 4, ...(size === 'full' ? full : smoke) };
}

/**
 * The seven workloads at full size (the issue's definitions; ViT-Ti as in the engine notes: 32 px,
 * patch 4, d192, depth 6, 3 heads, MLP 768, 10 classes, 2.69 M params), or at tiny sizes for the
 * smoke test (same code paths, milliseconds per iteration).
 */
export function workloadSpecs(size: Size): WorkloadSpec[] {
  const tinyVit = { imgSize: 8, patchSize: 4, numClasses: 3, embedDim: 16, depth: 1, numHeads: 2 };
  const vitTi = { ...VIT_PRESETS.vit_tiny_patch4_32.config, depth: 6 };
  const vitB = { ...VIT_PRESETS.vit_base_patch16_224.config, imgSize: 224, numClasses: 1000 };
  const maeB = { ...MAE_PRESETS.mae_vit_base_patch16.config, imgSize: 224 };
  const tinyMae = { imgSize: 8, patchSize: 4, embedDim: 16, depth: 1, numHeads: 2, decoderEmbedDim: 16, decoderDepth: 1, decoderNumHeads: 2 };
  const mnv2 = (widthMult: number, numClasses: number, stemStride: number, imgSize: number): Record<string, number> =>
    size === 'full' ? { widthMult, numClasses, stemStride, imgSize, inChans: 3, dropout: 0.2 } : { widthMult: 0.25, numClasses: 3, stemStride: 1, imgSize: 16, inChans: 3, dropout: 0.2 };
  const small = size === 'smoke';
  const specs: WorkloadSpec[] = [
    { id: 'gemm-1024', kind: 'gemm', unit: 'ms', batch: 1, config: { n: small ? 64 : 1024 }, title: 'GEMM 1024³ (fp32)' },
    {
      id: 'vit-ti-train',
      kind: 'vit-train',
      unit: 'img/s',
      batch: small ? 2 : 32,
      config: vit(size, vitTi, tinyVit),
      title: 'ViT-Ti/4 32 px training step, batch 32, AdamW',
    },
    {
      id: 'mnv2-0.5-train',
      kind: 'mnv2-train',
      unit: 'img/s',
      batch: small ? 2 : 32,
      config: mnv2(0.5, 10, 1, 32),
      title: 'MobileNetV2-0.5 32 px (stem stride 1) training step, batch 32, AdamW',
    },
    {
      id: 'mae-base-train',
      kind: 'mae-train',
      unit: 'img/s',
      batch: small ? 2 : 8,
      maskRatio: 0.75,
      microBatch: 1,
      config: vit(size, maeB, tinyMae),
      title: 'MAE-Base/16 224 px pre-training step, batch 8 (Patchwork: 8 accumulated micro-batches of 1), 75% masking, AdamW',
    },
    { id: 'vit-b16-infer-b1', kind: 'vit-infer', unit: 'ms', batch: 1, config: vit(size, vitB, tinyVit), title: 'ViT-B/16 224 px inference, batch 1' },
    { id: 'vit-b16-infer-b16', kind: 'vit-infer', unit: 'img/s', batch: small ? 2 : 16, config: vit(size, vitB, tinyVit), title: 'ViT-B/16 224 px inference, batch 16' },
    { id: 'mnv2-1.0-infer-b1', kind: 'mnv2-infer', unit: 'ms', batch: 1, config: mnv2(1, 1000, 2, 224), title: 'MobileNetV2-1.0 224 px inference, batch 1' },
  ];
  return small ? specs.map((s) => ({ ...s, title: `${s.title} [smoke size]` })) : specs;
}
