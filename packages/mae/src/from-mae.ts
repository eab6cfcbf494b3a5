import { ConfigError, StateDictError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import type { LoadResult } from '@patchwork/layers';
import { loadTimmCheckpoint } from '@patchwork/vit';
import type { VisionTransformer } from '@patchwork/vit';
import { parseMaeConfig } from './config.js';
import type { MaeConfig } from './config.js';
import type { MaskedAutoencoderViT } from './masked-autoencoder.js';

const RENAMES: Readonly<Record<string, keyof MaeConfig>> = {
  img_size: 'imgSize',
  patch_size: 'patchSize',
  in_chans: 'inChans',
  embed_dim: 'embedDim',
  depth: 'depth',
  num_heads: 'numHeads',
  decoder_embed_dim: 'decoderEmbedDim',
  decoder_depth: 'decoderDepth',
  decoder_num_heads: 'decoderNumHeads',
  mlp_ratio: 'mlpRatio',
  norm_pix_loss: 'normPixLoss',
};

/** `nn.LayerNorm`'s default epsilon, which the bare `MaskedAutoencoderViT` class uses. */
const TORCH_LAYER_NORM_EPS = 1e-5;

/**
 * Convert the keyword arguments of the official `models_mae.MaskedAutoencoderViT(...)` (snake_case,
 * as in a fixture's `case.json`) to a {@link MaeConfig}.
 *
 * `norm_layer` is read from its description: `partial(nn.LayerNorm, eps=1e-6)` (what the official
 * `mae_vit_*` factories pass) gives `normEps: 1e-6`; a plain `nn.LayerNorm`, or no `norm_layer` at
 * all (the class default), gives PyTorch's 1e-5. Unknown keys, other norm layers and values the
 * schema refuses raise one {@link ConfigError} listing every problem.
 */
export function fromMaeConfig(kwargs: Record<string, unknown>): MaeConfig {
  const out: Record<string, unknown> = { normEps: TORCH_LAYER_NORM_EPS };
  const problems: string[] = [];
  for (const [key, value] of Object.entries(kwargs)) {
    const target = RENAMES[key];
    if (target !== undefined) out[target] = value;
    else if (key === 'norm_layer') {
      const eps = layerNormEps(value);
      if (eps === null) problems.push(`  - norm_layer=${JSON.stringify(value)}: only (partial) nn.LayerNorm is supported`);
      else out['normEps'] = eps;
    } else {
      problems.push(`  - ${key}: not a MaskedAutoencoderViT argument (known: ${[...Object.keys(RENAMES), 'norm_layer'].join(', ')})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(`unsupported MaskedAutoencoderViT config:\n${problems.join('\n')}`);
  return parseMaeConfig(out);
}

/** eps of a LayerNorm given as a number, `null`/`"nn.LayerNorm"`, or a `partial(nn.LayerNorm, eps=…)` description; null if not a LayerNorm. */
function layerNormEps(value: unknown): number | null {
  if (typeof value === 'number' && value > 0) return value;
  if (value === null) return TORCH_LAYER_NORM_EPS;
  if (typeof value !== 'string' || !/LayerNorm/.test(value)) return null;
  const eps = /eps\s*=\s*([0-9.]+(?:e[-+]?\d+)?)/i.exec(value);
  return eps === null ? TORCH_LAYER_NORM_EPS : Number(eps[1]);
}

/**
 * Load an official full MAE checkpoint (encoder and decoder, e.g. `mae_visualize_vit_large.pth`
 * converted to safetensors) into `model`: the names are identical, so this is a strict
 * `loadStateDict` with an error that says what to do with an encoder-only checkpoint.
 */
export function loadMaeCheckpoint(model: MaskedAutoencoderViT, dict: Record<string, tf.Tensor>): LoadResult {
  if (!('decoder_embed.weight' in dict) && 'blocks.0.attn.qkv.weight' in dict) {
    throw new StateDictError(
      'this checkpoint has no decoder (decoder_embed.weight is missing): it is an encoder-only MAE checkpoint ' +
        '(mae_pretrain_vit_*); load it into a VisionTransformer with loadMaeEncoder for fine-tuning or linear probing',
    );
  }
  return model.loadStateDict(dict);
}

/** Options for {@link loadMaeEncoder}. */
export interface LoadMaeEncoderOptions {
  /**
   * Re-initialise the classifier as MAE's fine-tuning does (`trunc_normal_(head.weight, std=2e-5)`,
   * bias 0). Default true.
   */
  initHead?: boolean;
  rng?: Rng;
}

/**
 * Load MAE encoder weights — an encoder-only `mae_pretrain_vit_*` checkpoint, a full MAE
 * checkpoint, or {@link MaskedAutoencoderViT.encoderStateDict} — into a classification
 * {@link VisionTransformer}, as the official `main_finetune.py` / `main_linprobe.py` do:
 *
 * - decoder keys and `mask_token` are dropped;
 * - with average pooling (`fc_norm`, the MAE fine-tuning default `globalPool: 'avg'`) the encoder's
 *   final `norm.*` is dropped, as `models_vit` deletes `norm`;
 * - `pos_embed` is resampled to the model's grid with plain bicubic (MAE's `interpolate_pos_embed`);
 * - `head.*` and `fc_norm.*` stay as initialised (head: trunc-normal std 2e-5 unless `initHead: false`).
 *
 * Any other missing or unexpected key is an error. The input tensors are not disposed.
 */
export function loadMaeEncoder(vit: VisionTransformer, dict: Record<string, tf.Tensor>, { initHead = true, rng = defaultRng() }: LoadMaeEncoderOptions = {}): LoadResult {
  const keep = Object.fromEntries(
    Object.entries(dict).filter(([k]) => !(k.startsWith('decoder_') || k === 'mask_token' || (vit.norm === null && k.startsWith('norm.')))),
  );
  const result = loadTimmCheckpoint(vit, keep, { antialias: false, allowMissing: (k) => k.startsWith('head.') || k.startsWith('fc_norm.') });
  const head = vit.head;
  if (initHead && head !== null) {
    tf.tidy(() => {
      head.weight.assign(rng.truncatedNormal(head.weight.shape, 0, 2e-5, -2 / 2e-5, 2 / 2e-5));
      head.bias?.assign(tf.zerosLike(head.bias));
    });
  }
  return result;
}
