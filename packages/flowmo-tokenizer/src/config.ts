import { parseConfig } from '@patchwork/tensor-core';
import { z } from 'zod';

const positiveInt = z.number().int().positive();

/**
 * The size of the *base* transformer that FlowMo's width rule scales (the official
 * `DIT_ZOO["dit_b_4"]` entry, which `FlowMo.__init__` hard-codes). `mupWidth`/`encMupWidth` = 4
 * reproduces it exactly.
 */
export const DitSizeSchema = z.strictObject({
  hiddenSize: positiveInt.default(768),
  numHeads: positiveInt.default(12),
  /** RoPE channels per position axis (token index, patch row, patch column) at width 4. */
  axesDim: z.array(positiveInt).min(1).default([8, 28, 28]),
  mlpRatio: z.number().positive().default(4),
  theta: z.number().positive().default(10_000),
  qkvBias: z.boolean().default(true),
});

/** A base transformer size; see {@link DitSizeSchema}. */
export type DitSize = z.output<typeof DitSizeSchema>;

/**
 * Configuration of a {@link FlowmoTokenizer}. Names follow the official `flowmo/configs/base.yaml`
 * `model:` keys in camelCase and every default is the official one (FlowMo-Lo), so a config
 * reads like the official one; {@link fromFlowmoConfig} converts official config dicts.
 * Unknown keys are rejected.
 *
 * Widths are μP-style, as in the official code: the encoder and decoder are the base transformer
 * {@link DitSizeSchema} with `hidden = width · (base.hidden / 4)` and each RoPE axis
 * `(axis / 4) · width`, keeping the head count, so head dims grow with width and the attention
 * logits use μP's `8 / head_dim` scale.
 */
export const FlowmoConfigSchema = z
  .strictObject({
    /** Square training/decoding resolution; images must have exactly this size. */
    imageSize: positiveInt.default(256),
    patchSize: positiveInt.default(4),
    /** Number of latent (code) tokens S. */
    codeLength: positiveInt.default(256),
    /** Channels per code token: bits per token for LFQ, quantised dimensions for FSQ. */
    contextDim: positiveInt.default(18),
    /** `lfq`: sign binarisation (official); `fsq`: finite scalar quantisation with `fsqLevels`. */
    quantizer: z.enum(['lfq', 'fsq']).default('lfq'),
    /** LFQ entropy loss groups a token's bits into sub-codes of this many bits (official: 9 for Lo, 14 for Hi). */
    codebookSizeForEntropy: positiveInt.default(9),
    /** FSQ levels per code channel (length `contextDim`); only with `quantizer: 'fsq'`. */
    fsqLevels: z.array(z.number().int().min(2)).nullable().default(null),
    entropyLossWeight: z.number().min(0).default(0.0025),
    commitLossWeight: z.number().min(0).default(0.000625),
    /** Decoder width multiplier (official `mup_width`). */
    mupWidth: positiveInt.default(6),
    /** Encoder width multiplier (official `enc_mup_width`); null = `mupWidth`. */
    encMupWidth: positiveInt.nullable().default(4),
    encDepth: positiveInt.default(8),
    decDepth: positiveInt.default(16),
    /** μP attention scale `8 / head_dim` (official `enable_mup`); false = `1 / √head_dim`. */
    mup: z.boolean().default(true),
    /** The base transformer the widths scale (official `DIT_ZOO["dit_b_4"]`). */
    dit: DitSizeSchema.default(DitSizeSchema.parse({})),
  })
  .superRefine((c, ctx) => {
    if (c.imageSize % c.patchSize !== 0) {
      ctx.addIssue({ code: 'custom', path: ['patchSize'], message: `imageSize (${c.imageSize}) must be a multiple of patchSize (${c.patchSize})` });
    }
    if (c.quantizer === 'lfq') {
      if (c.contextDim % c.codebookSizeForEntropy !== 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['codebookSizeForEntropy'],
          message: `contextDim (${c.contextDim}) must be a multiple of codebookSizeForEntropy (${c.codebookSizeForEntropy}): LFQ splits each token's bits into sub-codes of that size`,
        });
      }
      if (c.fsqLevels !== null) ctx.addIssue({ code: 'custom', path: ['fsqLevels'], message: "fsqLevels needs quantizer: 'fsq'" });
    } else if (c.fsqLevels === null || c.fsqLevels.length !== c.contextDim) {
      ctx.addIssue({ code: 'custom', path: ['fsqLevels'], message: `FSQ needs one level count per code channel (${c.contextDim}), got ${JSON.stringify(c.fsqLevels)}` });
    }
    for (const [part, width] of [
      ['encoder', c.encMupWidth ?? c.mupWidth],
      ['decoder', c.mupWidth],
    ] as const) {
      const problem = transformerSizeProblem(c.dit, width);
      if (problem !== null) ctx.addIssue({ code: 'custom', path: [part === 'encoder' ? 'encMupWidth' : 'mupWidth'], message: `${part}: ${problem}` });
    }
  });

/** A complete, validated FlowMo config (every default filled in). */
export type FlowmoConfig = z.output<typeof FlowmoConfigSchema>;
/** What the constructor accepts: any subset of {@link FlowmoConfig}. */
export type FlowmoConfigInput = z.input<typeof FlowmoConfigSchema>;

/** Validate a config and fill in the defaults; throws a `ConfigError` listing every problem. */
export function parseFlowmoConfig(input: unknown): FlowmoConfig {
  return parseConfig(FlowmoConfigSchema, input ?? {}, 'FlowMo config');
}

/** The concrete size of one MMDiT (the official `FluxParams`). */
export interface MmditParams {
  /** Patch features `3·p²`. */
  inChannels: number;
  patchSize: number;
  /** Channels of the latent-token stream at input and output. */
  contextDim: number;
  hiddenSize: number;
  mlpRatio: number;
  numHeads: number;
  depth: number;
  axesDim: number[];
  theta: number;
  qkvBias: boolean;
  /** Multiplies q·kᵀ before the softmax. */
  attentionScale: number;
}

/** Hidden size and RoPE axes at a width, by the official rule (integer division, as in `FlowMo.__init__`). */
function scaled(dit: DitSize, width: number): { hiddenSize: number; axesDim: number[] } {
  return { hiddenSize: width * Math.floor(dit.hiddenSize / 4), axesDim: dit.axesDim.map((d) => Math.floor(d / 4) * width) };
}

function transformerSizeProblem(dit: DitSize, width: number): string | null {
  const { hiddenSize, axesDim } = scaled(dit, width);
  if (hiddenSize === 0 || hiddenSize % dit.numHeads !== 0) return `hidden size ${hiddenSize} (width ${width}) must be a positive multiple of numHeads (${dit.numHeads})`;
  if (axesDim.some((d) => d === 0 || d % 2 !== 0)) return `RoPE axes [${axesDim.join(', ')}] at width ${width} must all be positive and even`;
  const headDim = hiddenSize / dit.numHeads;
  const sum = axesDim.reduce((a, b) => a + b, 0);
  if (sum !== headDim) return `RoPE axes [${axesDim.join(', ')}] sum to ${sum}, but the head dim is ${headDim}`;
  return null;
}

/** Encoder and decoder sizes of a config (the official `encoder_params`/`decoder_params`). */
export function mmditSizes(config: FlowmoConfig): { encoder: MmditParams; decoder: MmditParams } {
  const make = (width: number, depth: number, contextDim: number): MmditParams => {
    const { hiddenSize, axesDim } = scaled(config.dit, width);
    const headDim = hiddenSize / config.dit.numHeads;
    return {
      inChannels: 3 * config.patchSize ** 2,
      patchSize: config.patchSize,
      contextDim,
      hiddenSize,
      mlpRatio: config.dit.mlpRatio,
      numHeads: config.dit.numHeads,
      depth,
      axesDim,
      theta: config.dit.theta,
      qkvBias: config.dit.qkvBias,
      attentionScale: config.mup ? 8 / headDim : 1 / Math.sqrt(headDim),
    };
  };
  return {
    encoder: make(config.encMupWidth ?? config.mupWidth, config.encDepth, config.contextDim),
    // The decoder's latent stream has one extra all-ones "code present" channel (zeroed for CFG).
    decoder: make(config.mupWidth, config.decDepth, config.contextDim + 1),
  };
}

/** Number of parameters of one MMDiT, as `sum(p.numel())` over the official `Flux` module. */
export function mmditParameterCount(p: MmditParams): number {
  const d = p.hiddenSize;
  const mlp = Math.floor(d * p.mlpRatio);
  const linear = (i: number, o: number, bias = true): number => i * o + (bias ? o : 0);
  const stream = linear(d, 6 * d) + linear(d, 3 * d, p.qkvBias) + 2 * (d / p.numHeads) + linear(d, d) + linear(d, mlp) + linear(mlp, d);
  const lastLayer = (out: number): number => linear(d, 2 * d) + linear(d, out);
  return (
    linear(256, d) + linear(d, d) + linear(p.inChannels, d) + linear(p.contextDim, d) + p.depth * 2 * stream + lastLayer(p.inChannels) + lastLayer(p.contextDim)
  );
}

/** Parameters of the whole tokenizer (encoder + decoder; the quantizers have none), without building it. */
export function flowmoParameterCount(config: FlowmoConfig): number {
  const { encoder, decoder } = mmditSizes(config);
  return mmditParameterCount(encoder) + mmditParameterCount(decoder);
}

/** log2 of the per-token vocabulary: `contextDim` bits for LFQ, Σ log2(levels) for FSQ. */
export function bitsPerToken(config: FlowmoConfig): number {
  return config.quantizer === 'lfq' ? config.contextDim : (config.fsqLevels ?? []).reduce((a, l) => a + Math.log2(l), 0);
}

/** Bits per pixel `S · log2(V) / (H · W)` (FlowMo §3.3): 0.0703 for FlowMo-Lo, 0.219 for FlowMo-Hi. */
export function bitsPerPixel(config: FlowmoConfig): number {
  return (config.codeLength * bitsPerToken(config)) / config.imageSize ** 2;
}
