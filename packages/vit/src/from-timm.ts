import { ConfigError, StateDictError, tf } from '@patchwork/tensor-core';
import { resamplePosEmbed } from '@patchwork/layers';
import type { LoadResult } from '@patchwork/layers';
import { parseVitConfig } from './config.js';
import type { VitConfig } from './config.js';
import type { VisionTransformer } from './vision-transformer.js';

/** timm kwarg → our config key, for the kwargs that map one to one. */
const RENAMES: Readonly<Record<string, keyof VitConfig>> = {
  img_size: 'imgSize',
  patch_size: 'patchSize',
  in_chans: 'inChans',
  num_classes: 'numClasses',
  global_pool: 'globalPool',
  embed_dim: 'embedDim',
  depth: 'depth',
  num_heads: 'numHeads',
  mlp_ratio: 'mlpRatio',
  qkv_bias: 'qkvBias',
  qk_norm: 'qkNorm',
  proj_bias: 'projBias',
  init_values: 'initValues',
  class_token: 'classToken',
  reg_tokens: 'regTokens',
  pos_embed: 'posEmbed',
  no_embed_class: 'noEmbedClass',
  pre_norm: 'preNorm',
  final_norm: 'finalNorm',
  fc_norm: 'fcNorm',
  pool_include_prefix: 'poolIncludePrefix',
  dynamic_img_size: 'dynamicImgSize',
  drop_rate: 'dropRate',
  pos_drop_rate: 'posDropRate',
  proj_drop_rate: 'projDropRate',
  attn_drop_rate: 'attnDropRate',
  drop_path_rate: 'dropPathRate',
};

/**
 * timm kwargs we accept only at the value that does not change the architecture, with what to
 * say when another value is given.
 */
const ONLY_DEFAULT: Readonly<Record<string, { ok: (v: unknown) => boolean; why: string }>> = {
  dynamic_img_pad: { ok: (v) => v === false, why: 'padding inputs to a multiple of the patch size is not supported' },
  patch_drop_rate: { ok: (v) => v === 0, why: 'PatchDropout is not supported' },
  scale_attn_norm: { ok: (v) => v === false, why: 'the extra attention norm is not supported' },
  scale_mlp_norm: { ok: (v) => v === false, why: 'the extra MLP norm is not supported' },
  norm_layer: { ok: (v) => v === null || v === 'layernorm', why: 'only LayerNorm is supported' },
  act_layer: { ok: (v) => v === null || v === 'gelu', why: 'only exact (erf) GELU is supported' },
  embed_norm_layer: { ok: (v) => v === null, why: 'a norm inside the patch embedding is not supported' },
  attn_layer: { ok: (v) => v === '' || v === 'attn', why: 'only the standard timm Attention is supported' },
};

/** kwargs that only choose how fresh weights are initialised; loaded weights make them moot. */
const INIT_ONLY = new Set(['weight_init', 'fix_init']);

/**
 * Convert the keyword arguments of timm's `VisionTransformer(...)` (snake_case, as in a fixture's
 * `case.json` `constructor` or a model's `pretrained_cfg`/factory args) to a {@link VitConfig}.
 *
 * Every timm argument is either mapped, accepted because it only affects initialisation
 * (`weight_init`, `fix_init`), or rejected: unknown keys, unsupported values (`global_pool='map'`,
 * `dynamic_img_pad=True`, a non-LayerNorm `norm_layer`, …) and values the config schema refuses
 * all raise one {@link ConfigError} that lists every problem.
 */
export function fromTimmConfig(kwargs: Record<string, unknown>): VitConfig {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(kwargs)) {
    const target = RENAMES[key];
    if (target !== undefined) {
      out[target] = timmValue(key, value, problems);
    } else if (key in ONLY_DEFAULT) {
      const rule = ONLY_DEFAULT[key]!;
      if (!rule.ok(value)) problems.push(`  - ${key}=${JSON.stringify(value)}: ${rule.why}`);
    } else if (!INIT_ONLY.has(key)) {
      problems.push(`  - ${key}: not a timm VisionTransformer argument this package knows (known: ${[...Object.keys(RENAMES), ...Object.keys(ONLY_DEFAULT), ...INIT_ONLY].join(', ')})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(`unsupported timm VisionTransformer config:\n${problems.join('\n')}`);
  return parseVitConfig(out);
}

/** The few timm values whose spelling differs from ours. */
function timmValue(key: string, value: unknown, problems: string[]): unknown {
  if (key === 'global_pool' && (value === 'map' || value === 'prr')) {
    problems.push(`  - global_pool=${JSON.stringify(value)}: attention pooling is not supported (use token, avg, max, avgmax or '')`);
  }
  if (key === 'pos_embed' && value === '') return 'none';
  return value;
}

/** Options for {@link adaptTimmStateDict}; defaults as timm's `checkpoint_filter_fn`. */
export interface AdaptStateDictOptions {
  /** Kernel for resampling `pos_embed` to the model's grid (timm: bicubic). */
  interpolation?: 'bicubic' | 'bilinear';
  /** timm: true. MAE's `interpolate_pos_embed` uses plain bicubic, i.e. false. */
  antialias?: boolean;
  /** Patch grid of the checkpoint's `pos_embed`; default square, as timm assumes. */
  checkpointGridSize?: readonly [number, number];
}

/**
 * Make a timm-named state dict fit `model`, as timm's `checkpoint_filter_fn` does when loading a
 * pretrained checkpoint into a model of another size: `pos_embed` is resampled to the model's
 * patch grid (prefix rows kept), pre-`Conv2d` linear patch weights are reshaped, and the unused
 * `pre_logits.*` are dropped. Everything else passes through by name.
 *
 * A patch-embedding kernel of another size is refused (timm's `resample_patch_embed` is not
 * implemented). Returns a new dict of new tensors (the input is not disposed); the caller disposes both.
 */
export function adaptTimmStateDict(
  dict: Record<string, tf.Tensor>,
  model: VisionTransformer,
  { interpolation = 'bicubic', antialias = true, checkpointGridSize }: AdaptStateDictOptions = {},
): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  try {
    for (const [key, value] of Object.entries(dict)) {
      if (key.startsWith('pre_logits.')) continue;
      if (key === 'patch_embed.proj.weight') out[key] = patchWeight(value, model);
      else if (key === 'pos_embed' && model.posEmbed !== null && value.rank === 3 && value.shape[1] !== model.posEmbed.shape[1]) {
        const prefix = model.config.noEmbedClass ? 0 : model.numPrefixTokens;
        out[key] = resamplePosEmbed(value, model.gridSize, { oldSize: checkpointGridSize, numPrefixTokens: prefix, interpolation, antialias });
      } else out[key] = tf.clone(value);
    }
  } catch (err) {
    tf.dispose(Object.values(out));
    throw err;
  }
  return out;
}

function patchWeight(w: tf.Tensor, model: VisionTransformer): tf.Tensor {
  const [ph, pw] = model.patchEmbed.patchSize;
  const { inChans, embedDim } = model.config;
  // Old timm models patchified by hand and stored a Linear weight [D, C·p·q]; same numbers as OIHW.
  if (w.rank === 2 && w.shape[0] === embedDim && w.shape[1] === inChans * ph * pw) return tf.reshape(w, [embedDim, inChans, ph, pw]);
  if (w.rank === 4 && (w.shape[2] !== ph || w.shape[3] !== pw)) {
    throw new StateDictError(
      `patch_embed.proj.weight: the checkpoint's patch kernel is ${w.shape[2]}×${w.shape[3]}, the model's ${ph}×${pw}; ` +
        'resampling patch kernels (timm resample_patch_embed) is not supported: build the model with the checkpoint patch size',
    );
  }
  return tf.clone(w);
}

/** Options for {@link loadTimmCheckpoint}. */
export interface LoadTimmCheckpointOptions extends AdaptStateDictOptions {
  /** Missing or unexpected keys are errors (default true). */
  strict?: boolean;
  /** Skip the checkpoint's `head.*` and keep the model's fresh head (fine-tuning to other classes). */
  skipHead?: boolean;
  /** Model keys that may stay as initialised under `strict` (e.g. a new `fc_norm.*`). */
  allowMissing?: (key: string) => boolean;
}

/**
 * Load a timm checkpoint (timm names and PyTorch layouts, e.g. from `torch-to-safetensors.py`)
 * into `model` through {@link adaptTimmStateDict}: other image sizes get a resampled `pos_embed`.
 * With `skipHead` the checkpoint head is ignored and `head.*` may be missing. Errors list every
 * missing, unexpected or mis-shaped key. The input tensors are not disposed.
 */
export function loadTimmCheckpoint(
  model: VisionTransformer,
  dict: Record<string, tf.Tensor>,
  { strict = true, skipHead = false, allowMissing = () => false, ...adapt }: LoadTimmCheckpointOptions = {},
): LoadResult {
  const source = skipHead ? Object.fromEntries(Object.entries(dict).filter(([k]) => !isHeadKey(k))) : dict;
  if (strict) {
    const targets = new Set([...model.namedParameters(), ...model.namedBuffers().filter(([, b]) => b.persistent)].map(([name]) => name));
    const missing = [...targets].filter((k) => !(k in source));
    const problems = [
      ...missing.filter((k) => !(skipHead && isHeadKey(k)) && !allowMissing(k)).map((k) => `  - missing key: ${k}`),
      ...Object.keys(source)
        .filter((k) => !targets.has(k))
        .map((k) => `  - unexpected key: ${k}`),
    ];
    if (problems.length > 0) {
      const hint = missing.length === targets.size ? ' (no key matched: is this a checkpoint of another model?)' : '';
      throw new StateDictError(`cannot load state dict into VisionTransformer${hint}:\n${problems.join('\n')}`);
    }
  }
  const adapted = adaptTimmStateDict(source, model, adapt);
  try {
    // Keys were checked above; this still refuses mis-shaped tensors.
    return model.loadStateDict(adapted, { strict: false });
  } finally {
    tf.dispose(Object.values(adapted));
  }
}

function isHeadKey(key: string): boolean {
  return key.startsWith('head.');
}
