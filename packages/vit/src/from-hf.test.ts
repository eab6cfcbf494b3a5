import { StateDictError, nchwToNhwc, tf } from '@patchwork/tensor-core';
import { assertAllClose, loadFixtureCase } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { fromHfVit } from './from-hf.js';
import { fromTimmConfig } from './from-timm.js';
import { VisionTransformer } from './vision-transformer.js';

/**
 * A Hugging Face `ViTForImageClassification` state dict built from a timm one by the inverse
 * mapping (split qkv into query/key/value, rename), plus a pooler as `ViTModel` has.
 */
function toHf(timm: Record<string, tf.Tensor>, depth: number): Record<string, tf.Tensor> {
  const hf: Record<string, tf.Tensor> = {
    'vit.embeddings.cls_token': timm['cls_token']!,
    'vit.embeddings.position_embeddings': timm['pos_embed']!,
    'vit.embeddings.patch_embeddings.projection.weight': timm['patch_embed.proj.weight']!,
    'vit.embeddings.patch_embeddings.projection.bias': timm['patch_embed.proj.bias']!,
    'vit.layernorm.weight': timm['norm.weight']!,
    'vit.layernorm.bias': timm['norm.bias']!,
    'vit.pooler.dense.weight': tf.zeros([48, 48]),
    'vit.pooler.dense.bias': tf.zeros([48]),
    'classifier.weight': timm['head.weight']!,
    'classifier.bias': timm['head.bias']!,
  };
  for (let i = 0; i < depth; i++) {
    const [t, h] = [`blocks.${i}.`, `vit.encoder.layer.${i}.`];
    for (const kind of ['weight', 'bias']) {
      const [q, k, v] = tf.split(timm[`${t}attn.qkv.${kind}`]!, 3, 0);
      Object.assign(hf, { [`${h}attention.attention.query.${kind}`]: q, [`${h}attention.attention.key.${kind}`]: k, [`${h}attention.attention.value.${kind}`]: v });
      hf[`${h}layernorm_before.${kind}`] = timm[`${t}norm1.${kind}`]!;
      hf[`${h}attention.output.dense.${kind}`] = timm[`${t}attn.proj.${kind}`]!;
      hf[`${h}layernorm_after.${kind}`] = timm[`${t}norm2.${kind}`]!;
      hf[`${h}intermediate.dense.${kind}`] = timm[`${t}mlp.fc1.${kind}`]!;
      hf[`${h}output.dense.${kind}`] = timm[`${t}mlp.fc2.${kind}`]!;
    }
  }
  return hf;
}

describe('fromHfVit', () => {
  it('maps a Hugging Face ViT state dict (fused qkv) onto timm names exactly', () => {
    const c = loadFixtureCase('vit/cls_token_p8');
    const hf = toHf(c.weights, 2);
    const { stateDict, ignored } = fromHfVit(hf);
    expect(ignored).toEqual(['vit.pooler.dense.weight', 'vit.pooler.dense.bias']);
    expect(Object.keys(stateDict).sort()).toEqual(Object.keys(c.weights).sort());
    for (const [k, v] of Object.entries(c.weights)) assertAllClose(stateDict[k]!, v, { atol: 0, label: k });

    const model = new VisionTransformer(fromTimmConfig(c.caseJson.constructor as Record<string, unknown>)).eval();
    model.loadStateDict(stateDict);
    const x = nchwToNhwc(c.io['x']!);
    const logits = model.forward(x);
    assertAllClose(logits, c.io['logits']!, { atol: c.caseJson.tolerance.max_abs });
    tf.dispose([x, logits, ...Object.values(stateDict), ...Object.values(hf)]);
    model.dispose();
    c.dispose();
  });

  it('accepts an un-prefixed ViTModel dict and explains keys it cannot map', () => {
    const w = tf.zeros([4]);
    const plain = fromHfVit({ 'embeddings.cls_token': w, 'layernorm.bias': w });
    expect(Object.keys(plain.stateDict).sort()).toEqual(['cls_token', 'norm.bias']);
    tf.dispose(Object.values(plain.stateDict));
    expect(() => fromHfVit({ 'vit.encoder.layer.0.attention.attention.query.weight': w })).toThrow(/blocks.0.attn.qkv.weight \(needs query, key and value; got only query\)/);
    expect(() => fromHfVit({ 'model.backbone.conv1.weight': w, 'vit.embeddings.cls_token': w })).toThrow(StateDictError);
    expect(() => fromHfVit({ 'model.backbone.conv1.weight': w, 'vit.embeddings.cls_token': w })).toThrow(/1 key\(s\) have no timm counterpart:\n {2}- model.backbone.conv1.weight/);
    w.dispose();
  });
});
