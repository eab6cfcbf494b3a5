import { ConfigError, Rng, StateDictError, tf } from '@patchwork/tensor-core';
import { assertAllClose, expectNoLeaks, loadFixtureCase } from '@patchwork/tensor-core/testing';
import { resamplePosEmbed } from '@patchwork/layers';
import { describe, expect, it } from 'vitest';
import { adaptTimmStateDict, fromTimmConfig, loadTimmCheckpoint } from './from-timm.js';
import { VisionTransformer } from './vision-transformer.js';

describe('fromTimmConfig', () => {
  it('maps every supported timm kwarg, including ones the fixtures do not use', () => {
    const config = fromTimmConfig({
      img_size: [32, 48],
      patch_size: [8, 16],
      in_chans: 1,
      num_classes: 0,
      global_pool: 'avg',
      embed_dim: 64,
      depth: 3,
      num_heads: 4,
      mlp_ratio: 2.5,
      qkv_bias: false,
      qk_norm: true,
      proj_bias: false,
      init_values: 1e-5,
      class_token: false,
      reg_tokens: 4,
      pos_embed: '',
      no_embed_class: true,
      pre_norm: true,
      final_norm: false,
      fc_norm: false,
      pool_include_prefix: true,
      dynamic_img_size: true,
      dynamic_img_pad: false,
      drop_rate: 0.1,
      pos_drop_rate: 0.1,
      patch_drop_rate: 0,
      proj_drop_rate: 0.1,
      attn_drop_rate: 0.1,
      drop_path_rate: 0.2,
      weight_init: 'jax',
      fix_init: true,
      norm_layer: null,
      act_layer: null,
    });
    expect(config).toMatchObject({
      imgSize: [32, 48],
      patchSize: [8, 16],
      inChans: 1,
      numClasses: 0,
      globalPool: 'avg',
      mlpRatio: 2.5,
      qkNorm: true,
      initValues: 1e-5,
      classToken: false,
      regTokens: 4,
      posEmbed: 'none',
      noEmbedClass: true,
      fcNorm: false,
      dropPathRate: 0.2,
      normEps: 1e-6,
    });
    const model = new VisionTransformer(config);
    expect(model.gridSize).toEqual([4, 3]);
    model.dispose();
  });

  it('rejects unknown kwargs and unsupported values, listing every problem', () => {
    let error: unknown;
    try {
      fromTimmConfig({ embed_dim: 32, representation_size: 768, global_pool: 'map', dynamic_img_pad: true, norm_layer: 'rmsnorm' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/representation_size: not a timm VisionTransformer argument/);
    expect(message).toMatch(/global_pool="map": attention pooling is not supported/);
    expect(message).toMatch(/dynamic_img_pad=true: padding inputs .* is not supported/);
    expect(message).toMatch(/norm_layer="rmsnorm": only LayerNorm is supported/);
    expect(() => fromTimmConfig({ embed_dim: 30, num_heads: 4 })).toThrow(/embedDim \(30\) must be divisible by numHeads \(4\)/);
    expect(() => fromTimmConfig({ class_token: false })).toThrow(/globalPool 'token' needs classToken: true/);
  });
});

describe('timm checkpoints', () => {
  const small = { img_size: 32, patch_size: 8, embed_dim: 48, depth: 2, num_heads: 3, num_classes: 10 };

  it('loads a checkpoint into a model of another image size by resampling pos_embed as timm', () => {
    const c = loadFixtureCase('vit/cls_token_p8');
    const big = new VisionTransformer(fromTimmConfig({ ...small, img_size: 48 }));
    loadTimmCheckpoint(big, c.weights);
    // timm's checkpoint_filter_fn: resample_abs_pos_embed(bicubic, antialias) to the new 6×6 grid.
    const want = resamplePosEmbed(c.weights['pos_embed']!, [6, 6], { oldSize: [4, 4] });
    assertAllClose(big.posEmbed!, want, { atol: 1e-6 });
    // It is the same table the fixture recorded for a 48 px input with dynamic_img_size.
    const dyn = loadFixtureCase('vit/dynamic_size_32_to_48');
    const again = new VisionTransformer(fromTimmConfig({ ...small, img_size: 48 }));
    loadTimmCheckpoint(again, dyn.weights);
    assertAllClose(again.posEmbed!, dyn.io['pos_embed_resampled']!, { atol: 1e-5 });
    const x = new Rng(3).normal([1, 48, 48, 3]);
    const logits = again.forward(x);
    expect(logits.shape).toEqual([1, 10]);
    tf.dispose([want, x, logits]);
    big.dispose();
    again.dispose();
    c.dispose();
    dyn.dispose();
  });

  it('skipHead keeps a fresh head for fine-tuning to other classes', () => {
    const c = loadFixtureCase('vit/cls_token_p8');
    const model = new VisionTransformer(fromTimmConfig({ ...small, num_classes: 3 }));
    expect(() => loadTimmCheckpoint(model, c.weights)).toThrow(/head.weight: shape \[10, 48\] in the checkpoint, \[3, 48\] in the model/);
    const result = loadTimmCheckpoint(model, c.weights, { skipHead: true });
    expect(result.missing).toEqual(['head.weight', 'head.bias']);
    const blockWeight = model.stateDict()['blocks.1.mlp.fc2.weight']!;
    assertAllClose(blockWeight, c.weights['blocks.1.mlp.fc2.weight']!, { atol: 0 });
    blockWeight.dispose();
    model.dispose();
    c.dispose();
  });

  it('names the problem for a checkpoint of another model, a patch-size change and missing keys', () => {
    const c = loadFixtureCase('mae/tiny_normpix');
    const vit = new VisionTransformer(fromTimmConfig(small));
    // MAE's full checkpoint: the encoder keys fit, the decoder ones are unexpected, the head is missing.
    expect(() => loadTimmCheckpoint(vit, c.weights)).toThrow(/unexpected key: decoder_embed.weight[\s\S]*missing key: head.weight|missing key: head.weight[\s\S]*unexpected key: decoder_embed.weight/);
    const other = { 'features.0.0.weight': tf.zeros([8, 3, 3, 3]) };
    expect(() => loadTimmCheckpoint(vit, other)).toThrow(/no key matched: is this a checkpoint of another model\?/);
    const p8 = loadFixtureCase('vit/cls_token_p8');
    const p4 = new VisionTransformer(fromTimmConfig({ ...small, patch_size: 4 }));
    expect(() => loadTimmCheckpoint(p4, p8.weights)).toThrow(StateDictError);
    expect(() => loadTimmCheckpoint(p4, p8.weights)).toThrow(/patch kernel is 8×8, the model's 4×4/);
    tf.dispose(Object.values(other));
    vit.dispose();
    p4.dispose();
    p8.dispose();
    c.dispose();
  });

  it('adaptTimmStateDict returns new tensors, drops pre_logits and reshapes linear patch weights', async () => {
    const c = loadFixtureCase('vit/cls_token_p8');
    const model = new VisionTransformer(fromTimmConfig(small));
    const flat = tf.reshape(c.weights['patch_embed.proj.weight']!, [48, 192]);
    const extra = { ...c.weights, 'patch_embed.proj.weight': flat, 'pre_logits.fc.weight': tf.zeros([2, 2]) };
    const adapted = await expectNoLeaks(() => adaptTimmStateDict(extra, model), Object.keys(c.weights).length);
    expect('pre_logits.fc.weight' in adapted).toBe(false);
    expect(adapted['patch_embed.proj.weight']!.shape).toEqual([48, 3, 8, 8]);
    model.loadStateDict(adapted);
    tf.dispose([...Object.values(adapted), flat, extra['pre_logits.fc.weight']]);
    model.dispose();
    c.dispose();
  });
});
