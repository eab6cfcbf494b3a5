import { ConfigError, StateDictError } from '@patchwork/tensor-core';
import type { tf } from '@patchwork/tensor-core';
import type { LoadResult } from '@patchwork/layers';
import { parseFlowmoConfig } from './config.js';
import type { DitSize, FlowmoConfig } from './config.js';
import type { NoiseSchedule } from './rectified-flow.js';
import type { SamplerSettings } from './sampler.js';
import type { FlowmoTokenizer } from './tokenizer.js';

/** An official `DIT_ZOO` entry (`flowmo/models.py`), snake_case. */
export interface OfficialDitEntry {
  hidden_size: number;
  mlp_ratio: number;
  num_heads: number;
  axes_dim: number[];
  theta: number;
  qkv_bias: boolean;
}

/** The official `models.DIT_ZOO` size table. FlowMo always builds `dit_b_4` and scales it by width. */
export const DIT_ZOO: Readonly<Record<'dit_xl_4' | 'dit_l_4' | 'dit_b_4' | 'dit_s_4', OfficialDitEntry>> = {
  dit_xl_4: { hidden_size: 1152, mlp_ratio: 4, num_heads: 16, axes_dim: [8, 28, 28], theta: 10_000, qkv_bias: true },
  dit_l_4: { hidden_size: 1024, mlp_ratio: 4, num_heads: 16, axes_dim: [8, 28, 28], theta: 10_000, qkv_bias: true },
  dit_b_4: { hidden_size: 768, mlp_ratio: 4, num_heads: 12, axes_dim: [8, 28, 28], theta: 10_000, qkv_bias: true },
  dit_s_4: { hidden_size: 384, mlp_ratio: 4, num_heads: 6, axes_dim: [8, 28, 28], theta: 10_000, qkv_bias: true },
};

/** The official `flowmo/configs/base.yaml` (FlowMo @ d15029f), the defaults every official run merges over. */
export const OFFICIAL_BASE_CONFIG = {
  global_seed: 0,
  data: {
    batch_size: 16,
    eval_batch_size: 5,
    image_size: 256,
    num_workers: 8,
    imagenet_train_index: 'imagenet_train_index_overall.json',
    imagenet_train_tar: 'ILSVRC2012_img_train.tar',
    imagenet_val_index: 'imagenet_val_index_overall.json',
    imagenet_val_tar: 'ILSVRC2012_img_val.tar',
  },
  model: {
    enable_mup: true,
    patch_size: 4,
    mup_width: 6,
    enc_mup_width: 4,
    fix_initial_norms: true,
    fix_norm_mode: 'l2',
    quantization_type: 'lfq',
    code_length: 256,
    context_dim: 18,
    codebook_size_for_entropy: 9,
    entropy_loss_weight: 0.0025,
    commit_loss_weight: 0.000625,
    enc_depth: 8,
    dec_depth: 16,
    enable_cfg: true,
    ema_decay: 0.9999,
    posttrain_sample: false,
    posttrain_sample_enable_cfg: false,
    posttrain_sample_k: 8,
  },
  opt: {
    lr: 1.0e-4,
    n_grad_acc: 2,
    schedule: 'fat_lognormal',
    freeze_encoder: false,
    freeze_encoder_after: 200_000,
    weight_decay: 0.0,
    log_norms: true,
    lpips_weight: 0.1,
    lpips_mode: 'vgg',
    beta1: 0.9,
    beta2: 0.95,
  },
  trainer: {
    enable_bfloat16: true,
    log_every: 100,
    checkpoint_every: 5000,
    max_steps: 10_000_000_000_000,
    keep_every: 200_000,
    gs_checkpoint_bucket: '',
  },
  eval: {
    reconstruction: true,
    state_dict_key: 'model_ema_state_dict',
    eval_dir: '',
    eval_baseline: '',
    continuous: true,
    force_ckpt_path: null,
    subsample_rate: 1,
    sampling: { sample_steps: 25, schedule: 'pow_0.25', cfg: 1.5, mode: 'rf', cfg_interval: '(.17,1.02)' },
  },
} as const;

/** Training settings read from an official config (used by the stage trainers and the app). */
export interface OfficialTrainingSettings {
  seed: number;
  batchSize: number;
  lr: number;
  betas: [number, number];
  weightDecay: number;
  gradAccumulation: number;
  noiseSchedule: NoiseSchedule;
  /** Weight of the perceptual loss (1A: one-step prediction, LPIPS-VGG; 1B: sample, ResNet logits). */
  perceptualWeight: number;
  /** The official perceptual network: `vgg` (LPIPS) or `resnet` (ResNet-50 logit MSE). */
  perceptualNetwork: 'vgg' | 'resnet';
  /** Drop the decoder conditioning of a sample with probability 0.1. */
  cfgDropout: boolean;
  emaDecay: number;
  /** Renormalise block weights to their initial norms after each step (`fix_initial_norms`), and how. */
  fixInitialNorms: boolean;
  fixNormMode: 'l2' | 'channel';
  freezeEncoder: boolean;
  freezeEncoderAfter: number;
  maxSteps: number;
  /** Stage 1B: perceptual loss on an n-step sample instead of the one-step prediction. */
  posttrainSample: boolean;
  posttrainSampleSteps: number;
  posttrainSampleCfgDropout: boolean;
}

/** Everything {@link fromFlowmoConfig} reads from an official config. */
export interface OfficialFlowmoSettings {
  config: FlowmoConfig;
  sampling: Pick<SamplerSettings, 'steps' | 'rho' | 'cfg' | 'cfgInterval'>;
  training: OfficialTrainingSettings;
}

/** Options for {@link fromFlowmoConfig}. */
export interface FromFlowmoConfigOptions {
  /** The base transformer size (`DIT_ZOO` name or entry). Official FlowMo hard-codes `dit_b_4`. */
  dit?: keyof typeof DIT_ZOO | OfficialDitEntry;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Section = Record<string, Json>;

// Keys that only steer infrastructure (data paths, workers, logging, checkpoint cadence, evaluation
// bookkeeping): accepted and ignored, because they do not change the model or its numbers.
const IGNORED = new Set([
  'data.eval_batch_size',
  'data.num_workers',
  'data.imagenet_train_index',
  'data.imagenet_train_tar',
  'data.imagenet_val_index',
  'data.imagenet_val_tar',
  'opt.log_norms',
  'trainer.log_every',
  'trainer.checkpoint_every',
  'trainer.keep_every',
  'trainer.gs_checkpoint_bucket',
  // bfloat16 autocast changes rounding only; Patchwork computes in float32.
  'trainer.enable_bfloat16',
  'eval.reconstruction',
  'eval.state_dict_key',
  'eval.eval_dir',
  'eval.eval_baseline',
  'eval.continuous',
  'eval.force_ckpt_path',
  'eval.subsample_rate',
]);

/**
 * Map an official FlowMo config — `flowmo/configs/base.yaml` overridden by a (nested or
 * OmegaConf-dotted, e.g. `{"model.context_dim": 56}`) dict, as the official scripts merge
 * command-line overrides — to a Patchwork {@link FlowmoConfig}, the sampler settings and the
 * training settings. Any size is accepted (the official width rule is applied, so unseen widths,
 * depths and patch sizes work). Unknown keys, and values the port does not implement
 * (`quantization_type` kl/noop, sampling modes other than `rf`, unknown schedules), raise one
 * `ConfigError` listing every problem. Infrastructure keys (paths, workers, logging cadence,
 * bf16) are accepted and ignored.
 */
export function fromFlowmoConfig(official: Record<string, unknown>, { dit = 'dit_b_4' }: FromFlowmoConfigOptions = {}): OfficialFlowmoSettings {
  const problems: string[] = [];
  const merged = mergeOverrides(OFFICIAL_BASE_CONFIG as unknown as Section, expandDotted(official, problems), '', problems);
  const get = (path: string): Json => path.split('.').reduce<Json>((node, k) => (node as Section)[k]!, merged as Json);
  const num = (path: string): number => {
    const v = get(path);
    if (typeof v !== 'number') problems.push(`  - ${path}: expected a number, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const bool = (path: string): boolean => {
    const v = get(path);
    if (typeof v !== 'boolean') problems.push(`  - ${path}: expected true or false, got ${JSON.stringify(v)}`);
    return v as boolean;
  };
  const oneOf = <T extends string>(path: string, allowed: readonly T[], why: string): T => {
    const v = get(path);
    if (typeof v !== 'string' || !allowed.includes(v as T)) problems.push(`  - ${path}: ${JSON.stringify(v)} is not supported (${why})`);
    return v as T;
  };

  const entry = typeof dit === 'string' ? DIT_ZOO[dit] : dit;
  if (entry === undefined) problems.push(`  - dit: unknown DIT_ZOO entry ${JSON.stringify(dit)} (known: ${Object.keys(DIT_ZOO).join(', ')})`);
  oneOf('model.quantization_type', ['lfq'], "only 'lfq' is implemented; FSQ is available through FlowmoConfig.quantizer");
  oneOf('eval.sampling.mode', ['rf'], "only the rectified-flow sampler 'rf' exists in the official code");
  const rho = samplingRho(get('eval.sampling.schedule'), problems);
  const cfgInterval = parseInterval(get('eval.sampling.cfg_interval'), problems);
  const noiseSchedule = trainingSchedule(get('opt.schedule'), problems);
  const encWidth = get('model.enc_mup_width');
  if (encWidth !== null && typeof encWidth !== 'number') problems.push(`  - model.enc_mup_width: expected a number or null, got ${JSON.stringify(encWidth)}`);

  const modelInput = {
    imageSize: num('data.image_size'),
    patchSize: num('model.patch_size'),
    codeLength: num('model.code_length'),
    contextDim: num('model.context_dim'),
    quantizer: 'lfq',
    codebookSizeForEntropy: num('model.codebook_size_for_entropy'),
    entropyLossWeight: num('model.entropy_loss_weight'),
    commitLossWeight: num('model.commit_loss_weight'),
    mupWidth: num('model.mup_width'),
    encMupWidth: encWidth,
    encDepth: num('model.enc_depth'),
    decDepth: num('model.dec_depth'),
    mup: bool('model.enable_mup'),
    dit: entry === undefined ? undefined : ditSize(entry),
  };
  const training: OfficialTrainingSettings = {
    seed: num('global_seed'),
    batchSize: num('data.batch_size'),
    lr: num('opt.lr'),
    betas: [num('opt.beta1'), num('opt.beta2')],
    weightDecay: num('opt.weight_decay'),
    gradAccumulation: num('opt.n_grad_acc'),
    noiseSchedule,
    perceptualWeight: num('opt.lpips_weight'),
    perceptualNetwork: oneOf('opt.lpips_mode', ['vgg', 'resnet'], 'the official modes are vgg and resnet'),
    cfgDropout: bool('model.enable_cfg'),
    emaDecay: num('model.ema_decay'),
    fixInitialNorms: bool('model.fix_initial_norms'),
    fixNormMode: oneOf('model.fix_norm_mode', ['l2', 'channel'], 'the official modes are l2 and channel'),
    freezeEncoder: bool('opt.freeze_encoder'),
    freezeEncoderAfter: num('opt.freeze_encoder_after'),
    maxSteps: num('trainer.max_steps'),
    posttrainSample: bool('model.posttrain_sample'),
    posttrainSampleSteps: num('model.posttrain_sample_k'),
    posttrainSampleCfgDropout: bool('model.posttrain_sample_enable_cfg'),
  };
  const sampling = { steps: num('eval.sampling.sample_steps'), rho, cfg: num('eval.sampling.cfg'), cfgInterval };
  if (problems.length > 0) throw new ConfigError(`unsupported official FlowMo config:\n${problems.join('\n')}`);
  return { config: parseFlowmoConfig(modelInput), sampling, training };
}

function ditSize(e: OfficialDitEntry): DitSize {
  return { hiddenSize: e.hidden_size, numHeads: e.num_heads, axesDim: [...e.axes_dim], mlpRatio: e.mlp_ratio, theta: e.theta, qkvBias: e.qkv_bias };
}

/** `{"a.b": 1}` → `{a: {b: 1}}` (OmegaConf `from_dotlist`), merged with the nested keys. */
function expandDotted(input: Record<string, unknown>, problems: string[]): Section {
  const out: Section = {};
  for (const [key, value] of Object.entries(input)) {
    const parts = key.split('.');
    let node = out;
    parts.slice(0, -1).forEach((p) => {
      const child = node[p];
      // Copy on the way down: the caller's nested objects are never modified.
      node[p] = child !== undefined && child !== null && typeof child === 'object' && !Array.isArray(child) ? { ...child } : {};
      node = node[p] as Section;
    });
    const last = parts.at(-1)!;
    if (last in node && typeof node[last] === 'object' && node[last] !== null && typeof value === 'object' && value !== null) {
      node[last] = mergeOverrides(node[last] as Section, value as Section, key, problems, false);
    } else {
      node[last] = value as Json;
    }
  }
  return out;
}

/** Override `base` with `over`, reporting keys `base` lacks (unless `strict` is false: merging two override dicts). */
function mergeOverrides(base: Section, over: Section, prefix: string, problems: string[], strict = true): Section {
  const out: Section = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (strict && !(key in base)) {
      problems.push(`  - ${path}: not a key of the official config (known${prefix === '' ? '' : ` in ${prefix}`}: ${Object.keys(base).join(', ')})`);
      continue;
    }
    const old = base[key];
    const isSection = (v: unknown): v is Section => typeof v === 'object' && v !== null && !Array.isArray(v);
    if (isSection(old) || isSection(value)) {
      if (!isSection(old) || !isSection(value)) {
        if (strict) problems.push(`  - ${path}: expected ${isSection(old) ? 'a section' : 'a value'}, got ${JSON.stringify(value)}`);
        else out[key] = value;
        continue;
      }
      out[key] = mergeOverrides(old, value, path, problems, strict);
    } else {
      out[key] = value;
    }
  }
  if (strict) {
    // Ignored keys are dropped here so that nothing downstream can depend on them.
    for (const key of Object.keys(out)) if (IGNORED.has(prefix === '' ? key : `${prefix}.${key}`)) delete out[key];
  }
  return out;
}

/** `linear` → ρ 1; `pow_p` → ρ = 1/p (official `t = k^(1/p) / n^(1/p)`). */
function samplingRho(schedule: Json, problems: string[]): number {
  if (schedule === 'linear') return 1;
  const m = typeof schedule === 'string' ? /^pow_([0-9.eE+-]+)$/.exec(schedule) : null;
  const p = m === null ? Number.NaN : Number(m[1]);
  if (!(p > 0)) {
    problems.push(`  - eval.sampling.schedule: ${JSON.stringify(schedule)} is not supported (linear or pow_<p>)`);
    return 1;
  }
  return 1 / p;
}

/** The official `cfg_interval` string `"(lo,hi)"` (EDM σ) or null. */
function parseInterval(value: Json, problems: string[]): [number, number] | null {
  if (value === null) return null;
  const m = typeof value === 'string' ? /^\(\s*([0-9.eE+-]+)\s*,\s*([0-9.eE+-]+)\s*\)$/.exec(value) : null;
  const lo = m === null ? Number.NaN : Number(m[1]);
  const hi = m === null ? Number.NaN : Number(m[2]);
  if (!(lo >= 0 && hi >= lo)) {
    problems.push(`  - eval.sampling.cfg_interval: ${JSON.stringify(value)} is not "(lo,hi)" with 0 ≤ lo ≤ hi`);
    return null;
  }
  return [lo, hi];
}

/** `opt.schedule`: fat_lognormal, lognormal, uniform, or `debug_<t>` (a constant t). */
function trainingSchedule(value: Json, problems: string[]): NoiseSchedule {
  if (value === 'fat_lognormal' || value === 'lognormal' || value === 'uniform') return value;
  const m = typeof value === 'string' ? /^debug_([0-9.eE+-]+)$/.exec(value) : null;
  const t = m === null ? Number.NaN : Number(m[1]);
  if (!(t >= 0 && t <= 1)) {
    problems.push(`  - opt.schedule: ${JSON.stringify(value)} is not supported (fat_lognormal, lognormal, uniform, debug_<t>)`);
    return 'fat_lognormal';
  }
  return t;
}

/** Options for {@link loadFlowmoCheckpoint}. */
export interface LoadFlowmoCheckpointOptions {
  /**
   * For a whole official training checkpoint flattened into one dict (`model_state_dict.*` and
   * `model_ema_state_dict.*`): which weights to take. Default `ema`, as the official evaluation
   * (`eval.state_dict_key`) does.
   */
  prefer?: 'ema' | 'model';
}

/**
 * Load official FlowMo weights (a `FlowMo.state_dict()`, e.g. a `.pth` converted with
 * `tooling/scripts/torch-to-safetensors.py --key model_ema_state_dict`) into `model`. Names are
 * identical, so this is a strict load; DDP's `module.` prefix and the training checkpoint's
 * `model_state_dict.`/`model_ema_state_dict.` prefixes are understood. A dict without FlowMo keys is
 * refused with a message saying so. The input tensors are not disposed.
 */
export function loadFlowmoCheckpoint(model: FlowmoTokenizer, dict: Record<string, tf.Tensor>, { prefer = 'ema' }: LoadFlowmoCheckpointOptions = {}): LoadResult {
  let entries = Object.entries(dict);
  const prefixes = prefer === 'ema' ? ['model_ema_state_dict.', 'model_state_dict.'] : ['model_state_dict.', 'model_ema_state_dict.'];
  const prefix = prefixes.find((p) => entries.some(([k]) => k.startsWith(p)));
  if (prefix !== undefined) entries = entries.filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]);
  if (entries.length > 0 && entries.every(([k]) => k.startsWith('module.'))) entries = entries.map(([k, v]) => [k.slice('module.'.length), v]);
  if (!entries.some(([k]) => k.startsWith('encoder.') || k.startsWith('decoder.'))) {
    const sample = entries.slice(0, 3).map(([k]) => k).join(', ');
    throw new StateDictError(`not a FlowMo state dict: no encoder.* or decoder.* keys (first keys: ${sample || 'none'})`);
  }
  return model.loadStateDict(Object.fromEntries(entries));
}
