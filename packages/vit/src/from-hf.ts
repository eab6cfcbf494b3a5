import { StateDictError, tf } from '@patchwork/tensor-core';

/** Result of {@link fromHfVit}. */
export interface HfConversion {
  /** timm-named state dict (new tensors; the caller disposes them). */
  stateDict: Record<string, tf.Tensor>;
  /** HF keys with no timm counterpart that were left out (the `pooler`, a masked-image-modeling `mask_token`). */
  ignored: string[];
}

/** Per-layer HF `ViTLayer` names → timm `Block` names (after `encoder.layer.N.` → `blocks.N.`). */
const LAYER_RENAMES: readonly (readonly [string, string])[] = [
  ['layernorm_before.', 'norm1.'],
  ['attention.output.dense.', 'attn.proj.'],
  ['layernorm_after.', 'norm2.'],
  ['intermediate.dense.', 'mlp.fc1.'],
  ['output.dense.', 'mlp.fc2.'],
];

const TOP_RENAMES: Readonly<Record<string, string>> = {
  'embeddings.cls_token': 'cls_token',
  'embeddings.position_embeddings': 'pos_embed',
  'embeddings.patch_embeddings.projection.weight': 'patch_embed.proj.weight',
  'embeddings.patch_embeddings.projection.bias': 'patch_embed.proj.bias',
  'layernorm.weight': 'norm.weight',
  'layernorm.bias': 'norm.bias',
};

/**
 * Convert a Hugging Face `transformers` ViT state dict (`ViTModel`, or `ViTForImageClassification`
 * with its `vit.` prefix and `classifier`) to timm names, which are this package's:
 *
 * - `embeddings.cls_token` → `cls_token`, `embeddings.position_embeddings` → `pos_embed`,
 *   `embeddings.patch_embeddings.projection.*` → `patch_embed.proj.*`;
 * - `encoder.layer.N.attention.attention.{query,key,value}.*` → fused `blocks.N.attn.qkv.*`
 *   (concatenated q, k, v along the output axis);
 * - `attention.output.dense` → `attn.proj`, `layernorm_before/after` → `norm1/norm2`,
 *   `intermediate.dense` → `mlp.fc1`, `output.dense` → `mlp.fc2`;
 * - `layernorm` → `norm`, `classifier` → `head`.
 *
 * The pooler (`ViTModel`'s tanh Linear on the class token) has no timm counterpart and is listed
 * in `ignored`, as is `embeddings.mask_token`. Any other key is an error. HF ViT configs use
 * LayerNorm eps 1e-12 where timm uses 1e-6: build the model with `normEps: 1e-12` for the closest
 * numerics. The input is not disposed.
 */
export function fromHfVit(dict: Record<string, tf.Tensor>): HfConversion {
  const prefix = Object.keys(dict).some((k) => k.startsWith('vit.')) ? 'vit.' : '';
  const out: Record<string, tf.Tensor> = {};
  const ignored: string[] = [];
  const unknown: string[] = [];
  const qkvParts = new Map<string, Partial<Record<'query' | 'key' | 'value', tf.Tensor>>>();
  try {
    for (const [key, value] of Object.entries(dict)) {
      if (key.startsWith('classifier.')) {
        out[`head.${key.slice('classifier.'.length)}`] = tf.clone(value);
        continue;
      }
      if (!key.startsWith(prefix)) {
        unknown.push(key);
        continue;
      }
      const rest = key.slice(prefix.length);
      if (rest.startsWith('pooler.') || rest === 'embeddings.mask_token') {
        ignored.push(key);
        continue;
      }
      const top = TOP_RENAMES[rest];
      if (top !== undefined) {
        out[top] = tf.clone(value);
        continue;
      }
      const layer = /^encoder\.layer\.(\d+)\.(.+)$/.exec(rest);
      if (layer === null) {
        unknown.push(key);
        continue;
      }
      const [, index, inner] = layer as unknown as [string, string, string];
      const qkv = /^attention\.attention\.(query|key|value)\.(weight|bias)$/.exec(inner);
      if (qkv !== null) {
        const [, part, kind] = qkv as unknown as [string, 'query' | 'key' | 'value', string];
        const name = `blocks.${index}.attn.qkv.${kind}`;
        const parts = qkvParts.get(name) ?? {};
        parts[part] = value;
        qkvParts.set(name, parts);
        continue;
      }
      const rename = LAYER_RENAMES.find(([from]) => inner.startsWith(from));
      if (rename === undefined) {
        unknown.push(key);
        continue;
      }
      out[`blocks.${index}.${rename[1]}${inner.slice(rename[0].length)}`] = tf.clone(value);
    }
    for (const [name, { query, key, value }] of qkvParts) {
      if (query === undefined || key === undefined || value === undefined) {
        unknown.push(`${name} (needs query, key and value; got only ${[query && 'query', key && 'key', value && 'value'].filter(Boolean).join(', ')})`);
        continue;
      }
      out[name] = tf.concat([query, key, value], 0); // [3D, D] weight or [3D] bias, q rows first as timm's qkv
    }
    if (unknown.length > 0) {
      throw new StateDictError(`not a Hugging Face ViT state dict: ${unknown.length} key(s) have no timm counterpart:\n${unknown.map((k) => `  - ${k}`).join('\n')}`);
    }
  } catch (err) {
    tf.dispose(Object.values(out));
    throw err;
  }
  return { stateDict: out, ignored };
}
