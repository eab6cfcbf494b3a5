import { StateDictError, parseConfig, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import type { LoadResult, Module } from '@patchwork/layers';
import { z } from 'zod';
import { parseMatConfig } from './config.js';
import type { MatConfig } from './config.js';
import { FusionBlock } from './body/fusion-block.js';
import { TransformerStage } from './body/stage.js';
import { WindowAttention } from './body/window-attention.js';
import { FirstStage } from './first-stage.js';
import { RESAMPLE_TAPS } from './ops/resample.js';
import type { Activation } from './ops/activation.js';
import { Conv2dLayerPartial } from './partial-conv.js';
import { MappingNetwork } from './style/mapping-network.js';
import { DecStyleBlock } from './tail.js';

// Official constructor kwargs (fenglinglwb/MAT networks/mat.py, networks/basic_module.py) → our
// modules. Every schema lists exactly the keyword arguments the official class accepts, so a typo
// or an argument from another model fails by name; values the port cannot honour fail with the reason.

const int = z.number().int();
const pos = int.positive();
const pair = z.union([pos, z.tuple([pos, pos])]);
const activation = z.enum(['linear', 'lrelu'], { message: "only 'linear' and 'lrelu' are used by MAT and supported" });
/** Arguments the official classes accept and then never use (dropout rates, drop path, qkv_bias: the FC layers always have a bias). */
const ignored = z.unknown().optional();
const filterArg = z
  .array(z.number())
  .optional()
  .refine((f) => f === undefined || f.join(',') === RESAMPLE_TAPS.join(','), { message: `only the [${RESAMPLE_TAPS.join(', ')}] filter MAT uses is supported` });
const noClamp = z.null({ message: 'conv_clamp is not supported (MAT never clamps)' }).optional();
const onlyTrainable = z.literal(true, { message: 'trainable=False (weights as buffers) is not supported' }).optional();

function factor(name: string) {
  return int.refine((v) => v === 1 || v === 2, { message: `${name} must be 1 or 2 (other factors are not used by MAT)` });
}

const conv2dLayerPartialSchema = z
  .object({
    in_channels: pos,
    out_channels: pos,
    kernel_size: pos.refine((k) => k % 2 === 1, { message: 'must be odd' }),
    bias: z.boolean().default(true),
    activation: activation.default('linear'),
    up: factor('up').default(1),
    down: factor('down').default(1),
    resample_filter: filterArg,
    conv_clamp: noClamp,
    trainable: onlyTrainable,
  })
  .strict()
  .refine((a) => a.up === 1 || a.down === 1, { message: 'up and down together are not supported' });

/** `Conv2dLayerPartial(**kwargs)` → {@link Conv2dLayerPartial}. */
export function conv2dLayerPartialFromOfficial(kwargs: unknown, rng?: Rng): Conv2dLayerPartial {
  const a = parseConfig(conv2dLayerPartialSchema, kwargs, 'Conv2dLayerPartial kwargs');
  return new Conv2dLayerPartial(a.in_channels, a.out_channels, a.kernel_size, { activation: a.activation as Activation, bias: a.bias, up: a.up, down: a.down, rng });
}

const windowAttentionSchema = z
  .object({
    dim: pos,
    window_size: pair,
    num_heads: pos,
    down_ratio: ignored,
    qkv_bias: ignored,
    qk_scale: z.number().positive().nullable().default(null),
    attn_drop: ignored,
    proj_drop: ignored,
  })
  .strict();

/** `WindowAttention(**kwargs)` → {@link WindowAttention} (the window size only names the token count there). */
export function windowAttentionFromOfficial(kwargs: unknown, rng?: Rng): WindowAttention {
  const a = parseConfig(windowAttentionSchema, kwargs, 'WindowAttention kwargs');
  return new WindowAttention(a.dim, a.num_heads, { qkScale: a.qk_scale, rng });
}

const swinBlockSchema = z
  .object({
    dim: pos,
    input_resolution: z.tuple([pos, pos]),
    num_heads: pos,
    down_ratio: ignored,
    window_size: pos.default(7),
    shift_size: int.min(0).default(0),
    mlp_ratio: z.number().positive().default(4),
    qkv_bias: ignored,
    qk_scale: z.number().positive().nullable().default(null),
    drop: ignored,
    attn_drop: ignored,
    drop_path: ignored,
    act_layer: ignored,
    norm_layer: ignored,
  })
  .strict();

/** `SwinTransformerBlock(**kwargs)` → {@link FusionBlock}. */
export function swinBlockFromOfficial(kwargs: unknown, rng?: Rng): FusionBlock {
  const a = parseConfig(swinBlockSchema, kwargs, 'SwinTransformerBlock kwargs');
  return new FusionBlock(a.dim, a.input_resolution, a.num_heads, { windowSize: a.window_size, shiftSize: a.shift_size, mlpRatio: a.mlp_ratio, qkScale: a.qk_scale, rng });
}

/** `PatchMerging(in_channels=…, out_channels=…, down=…)` / `PatchUpsampling(…, up=…)`, as an object or the repr string the fixtures use. */
const resampleSchema = z.preprocess(
  (v) => (typeof v === 'string' ? parseResampleRepr(v) : v),
  z.union([
    z.object({ class: z.literal('PatchMerging'), in_channels: pos, out_channels: pos, down: z.literal(2, { message: 'only down=2 is supported' }).default(2) }).strict(),
    z.object({ class: z.literal('PatchUpsampling'), in_channels: pos, out_channels: pos, up: z.literal(2, { message: 'only up=2 is supported' }).default(2) }).strict(),
  ]),
);

function parseResampleRepr(s: string): unknown {
  const m = /^\s*(\w+)\((.*)\)\s*$/.exec(s);
  if (m === null) return s;
  const out: Record<string, unknown> = { class: m[1] };
  const positional = ['in_channels', 'out_channels', m[1] === 'PatchUpsampling' ? 'up' : 'down'];
  m[2]!.split(',').map((p) => p.trim()).filter((p) => p !== '').forEach((p, i) => {
    const [k, v] = p.includes('=') ? (p.split('=').map((x) => x.trim()) as [string, string]) : [positional[i] ?? `arg${i}`, p];
    out[k] = Number(v);
  });
  return out;
}

const basicLayerSchema = z
  .object({
    dim: pos,
    input_resolution: z.tuple([pos, pos]),
    depth: pos,
    num_heads: pos,
    window_size: pos,
    down_ratio: ignored,
    mlp_ratio: z.number().positive().default(2),
    qkv_bias: ignored,
    qk_scale: z.number().positive().nullable().default(null),
    drop: ignored,
    attn_drop: ignored,
    drop_path: ignored,
    norm_layer: ignored,
    downsample: resampleSchema.nullable().default(null),
    use_checkpoint: z.boolean().optional(),
  })
  .strict()
  .refine((a) => a.downsample === null || a.downsample.out_channels === a.dim, { message: 'downsample.out_channels must equal dim (the blocks run at dim)' })
  .refine((a) => a.downsample === null || a.downsample.in_channels === a.dim, { message: 'downsample.in_channels other than dim is not supported' });

/** `BasicLayer(**kwargs)` (with `downsample=PatchMerging/PatchUpsampling(...)` or None) → {@link TransformerStage}. */
export function basicLayerFromOfficial(kwargs: unknown, rng?: Rng): TransformerStage {
  const a = parseConfig(basicLayerSchema, kwargs, 'BasicLayer kwargs');
  const resample = a.downsample === null ? null : a.downsample.class === 'PatchMerging' ? 'down' : 'up';
  return new TransformerStage(a.dim, a.input_resolution, { depth: a.depth, numHeads: a.num_heads, windowSize: a.window_size, mlpRatio: a.mlp_ratio, qkScale: a.qk_scale, resample, rng });
}

const decStyleBlockSchema = z
  .object({
    res: pos,
    in_channels: pos,
    out_channels: pos,
    activation: z.literal('lrelu', { message: "only 'lrelu' is supported" }),
    style_dim: pos,
    use_noise: z.boolean(),
    demodulate: z.boolean(),
    img_channels: pos,
  })
  .strict();

/** `DecStyleBlock(**kwargs)` → {@link DecStyleBlock}. */
export function decStyleBlockFromOfficial(kwargs: unknown, rng?: Rng): DecStyleBlock {
  const a = parseConfig(decStyleBlockSchema, kwargs, 'DecStyleBlock kwargs');
  return new DecStyleBlock(a.res, a.in_channels, a.out_channels, a.style_dim, { useNoise: a.use_noise, demodulate: a.demodulate, imgChannels: a.img_channels, rng });
}

const mappingSchema = z
  .object({
    z_dim: pos,
    c_dim: z.literal(0, { message: 'label conditioning (c_dim > 0) is not part of MAT and not supported' }),
    w_dim: pos,
    num_ws: pos.nullable(),
    num_layers: pos.default(8),
    embed_features: ignored, // only used with c_dim > 0
    layer_features: pos.nullable().default(null),
    activation: z.literal('lrelu', { message: "only 'lrelu' is supported" }).default('lrelu'),
    lr_multiplier: z.number().positive().default(0.01),
    w_avg_beta: z.number().min(0).max(1).nullable().default(0.995),
  })
  .strict();

/** `MappingNet(**kwargs)` → {@link MappingNetwork}. */
export function mappingNetFromOfficial(kwargs: unknown, rng?: Rng): MappingNetwork {
  const a = parseConfig(mappingSchema, kwargs, 'MappingNet kwargs');
  return new MappingNetwork({
    zDim: a.z_dim,
    wDim: a.w_dim,
    numWs: a.num_ws,
    numLayers: a.num_layers,
    layerFeatures: a.layer_features ?? a.w_dim,
    lrMultiplier: a.lr_multiplier,
    wAvgBeta: a.w_avg_beta,
    rng,
  });
}

const firstStageSchema = z
  .object({
    img_channels: pos,
    img_resolution: pos.default(256),
    dim: pos.default(180),
    w_dim: pos.default(512),
    use_noise: z.boolean().default(false),
    demodulate: z.boolean().default(true),
    activation: z.literal('lrelu', { message: "only 'lrelu' is supported" }).default('lrelu'),
  })
  .strict();

/** `FirstStage(**kwargs)` → {@link FirstStage} (token grid 64, depths {2,3,4,3,2}, windows {8,16,16,16,8}, 6 heads, as hard-coded officially). */
export function firstStageFromOfficial(kwargs: unknown, rng?: Rng): FirstStage {
  const a = parseConfig(firstStageSchema, kwargs, 'FirstStage kwargs');
  const fs = parseMatConfig({ imgResolution: a.img_resolution, firstStage: { dim: a.dim } }).firstStage;
  return new FirstStage({ ...fs, imgChannels: a.img_channels, imgResolution: a.img_resolution, wDim: a.w_dim, useNoise: a.use_noise, demodulate: a.demodulate, rng });
}

const generatorSchema = z
  .object({
    z_dim: pos,
    c_dim: z.literal(0, { message: 'label conditioning (c_dim > 0) is not part of MAT and not supported' }),
    w_dim: pos,
    img_resolution: pos,
    img_channels: pos,
    synthesis_kwargs: z
      .object({
        // Accepted and unused by the official SynthesisNet (its channel table `nf` is hard-coded).
        channel_base: ignored,
        channel_decay: ignored,
        channel_max: ignored,
        drop_rate: ignored,
        activation: z.literal('lrelu', { message: "only 'lrelu' is supported" }).optional(),
        use_noise: z.boolean().optional(),
        demodulate: z.boolean().optional(),
      })
      .strict()
      .default({}),
    mapping_kwargs: z
      .object({
        num_layers: pos.optional(),
        embed_features: ignored,
        layer_features: z.null({ message: 'layer_features other than None (= w_dim) is not supported by the generator config' }).optional(),
        activation: z.literal('lrelu', { message: "only 'lrelu' is supported" }).optional(),
        lr_multiplier: z.number().positive().optional(),
        w_avg_beta: z.number().min(0).max(1).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

/**
 * The official `Generator(z_dim, c_dim, w_dim, img_resolution, img_channels, synthesis_kwargs,
 * mapping_kwargs)` arguments → a {@link MatConfig} (official hard-coded sizes filled in). The same
 * config builds the matching {@link MatDiscriminator}.
 */
export function matConfigFromOfficial(kwargs: unknown): MatConfig {
  const a = parseConfig(generatorSchema, kwargs, 'Generator kwargs');
  const m = a.mapping_kwargs;
  return parseMatConfig({
    imgResolution: a.img_resolution,
    imgChannels: a.img_channels,
    zDim: a.z_dim,
    wDim: a.w_dim,
    mapping: { numLayers: m.num_layers, lrMultiplier: m.lr_multiplier, wAvgBeta: m.w_avg_beta },
    useNoise: a.synthesis_kwargs.use_noise,
    demodulate: a.synthesis_kwargs.demodulate,
  });
}

/**
 * Load an official MAT state dict (PyTorch names and layouts, e.g. from
 * `tooling/scripts/mat-to-safetensors.py`) into one of this package's modules. Strict, except
 * that the `*.attn_mask` buffers may be absent: they are deterministic functions of the config and
 * never read by the forward (official or ours). The fixed `resample_filter` buffers must hold
 * MAT's [1,3,3,1] filter, since the layers fold that filter into their kernels. A checkpoint of
 * another model fails with every mismatched key listed. Inputs are not disposed.
 */
export function loadOfficialStateDict(module: Module, stateDict: Record<string, tf.Tensor>): LoadResult {
  const result = module.loadStateDict(stateDict, { strict: false });
  const missing = result.missing.filter((k) => !k.endsWith('attn_mask'));
  if (missing.length > 0 || result.unexpected.length > 0) {
    const matched = Object.keys(stateDict).length - result.unexpected.length;
    const hint = matched === 0 ? ' (no key matched: is this a checkpoint of another model?)' : '';
    const list = (label: string, keys: string[]): string[] => [...keys.slice(0, 20).map((k) => `  - ${label}: ${k}`), ...(keys.length > 20 ? [`  - … ${keys.length - 20} more ${label}s`] : [])];
    throw new StateDictError(
      `cannot load the MAT state dict into ${module.constructor.name}${hint}: ${missing.length} missing, ${result.unexpected.length} unexpected\n` +
        [...list('missing key', missing), ...list('unexpected key', result.unexpected)].join('\n'),
    );
  }
  for (const [name, buffer] of module.namedBuffers()) {
    if (!name.endsWith('resample_filter')) continue;
    const ok = tf.tidy(() => tf.max(tf.abs(tf.sub(buffer.variable, tf.outerProduct(tf.tensor1d(RESAMPLE_TAPS.map((v) => v / 8)), tf.tensor1d(RESAMPLE_TAPS.map((v) => v / 8)))))).dataSync()[0]! < 1e-7);
    if (!ok) throw new StateDictError(`${name}: only MAT's [${RESAMPLE_TAPS.join(', ')}] resampling filter is supported`);
  }
  return { missing: result.missing, unexpected: [] };
}
