import { ConfigError, Rng, ShapeError, tf } from '@patchwork/tensor-core';
import { assertAllClose, expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { VisionTransformer } from './vision-transformer.js';
import type { VitConfigInput } from './config.js';

const TINY: VitConfigInput = { imgSize: 16, patchSize: 4, embedDim: 24, depth: 3, numHeads: 2, numClasses: 5 };
const build = (config: VitConfigInput = {}): VisionTransformer => new VisionTransformer({ ...TINY, ...config }, { rng: new Rng(1) }).eval();
const images = (b = 2, h = 16, w = 16, c = 3): tf.Tensor4D => new Rng(2).normal([b, h, w, c]) as tf.Tensor4D;

describe('VisionTransformer', () => {
  it('uses timm state-dict names', () => {
    const model = build({ regTokens: 1, initValues: 0.1, preNorm: true, globalPool: 'avg' });
    const names = model.namedParameters().map(([n]) => n);
    expect(names.slice(0, 3)).toEqual(['cls_token', 'reg_token', 'pos_embed']);
    expect(names).toEqual(
      expect.arrayContaining([
        'patch_embed.proj.weight',
        'norm_pre.weight',
        'blocks.0.norm1.weight',
        'blocks.0.attn.qkv.weight',
        'blocks.0.attn.qkv.bias',
        'blocks.0.attn.proj.weight',
        'blocks.0.ls1.gamma',
        'blocks.2.mlp.fc2.bias',
        'blocks.2.ls2.gamma',
        'fc_norm.weight',
        'head.weight',
        'head.bias',
      ]),
    );
    // avg pooling moves the final norm after pooling, and pre_norm drops the patch bias, as timm.
    expect(names.some((n) => n.startsWith('norm.') || n === 'patch_embed.proj.bias')).toBe(false);
    model.dispose();
  });

  it('has the documented output shapes', () => {
    const model = build();
    const x = images();
    const features = model.forwardFeatures(x);
    const pooled = model.forwardHead(features, { preLogits: true });
    const logits = model.forward(x);
    expect([features.shape, pooled.shape, logits.shape]).toEqual([
      [2, 17, 24],
      [2, 24],
      [2, 5],
    ]);
    tf.dispose([x, features, pooled, logits]);
    model.dispose();
  });

  it('forwardIntermediates returns block outputs as NHWC feature maps consistent with forwardFeatures', () => {
    const model = build();
    const x = images();
    const features = model.forwardFeatures(x);
    const all = model.forwardIntermediates(x, { norm: true });
    expect(all.intermediates.map((t) => t.shape)).toEqual([
      [2, 4, 4, 24],
      [2, 4, 4, 24],
      [2, 4, 4, 24],
    ]);
    // The normalised last block output is forwardFeatures' patch tokens, row-major.
    const patches = tf.slice(features, [0, 1, 0], [2, 16, 24]);
    assertAllClose(tf.reshape(all.intermediates[2]!, [2, 16, 24]), patches, { atol: 1e-6 });
    assertAllClose(all.features!, features, { atol: 1e-6 });
    expect(all.prefixTokens).toBeNull();

    const some = model.forwardIntermediates(x, { indices: [0, -2], stopEarly: true, outputFmt: 'NLC', returnPrefixTokens: true });
    expect(some.features).toBeNull();
    expect(some.intermediates.map((t) => t.shape)).toEqual([
      [2, 16, 24],
      [2, 16, 24],
    ]);
    expect(some.prefixTokens!.map((t) => t.shape)).toEqual([
      [2, 1, 24],
      [2, 1, 24],
    ]);
    // indices: 2 = the last two blocks (1 and 2); block 1 is also index -2 above.
    const lastTwo = model.forwardIntermediates(x, { indices: 2 });
    const block1 = tf.reshape(some.intermediates[1]!, [2, 4, 4, 24]);
    assertAllClose(lastTwo.intermediates[0]!, block1, { atol: 0 });
    expect(() => model.forwardIntermediates(x, { indices: 4 })).toThrow(/last-n \(4\) is out of range \(1 to 3\)/);
    expect(() => model.forwardIntermediates(x, { indices: [3] })).toThrow(/block index 3 is out of range \(0 to 2\)/);
    tf.dispose([x, features, patches, block1, ...all.intermediates, all.features!, ...some.intermediates, ...some.prefixTokens!]);
    tf.dispose([...lastTwo.intermediates, lastTwo.features!]);
    model.dispose();
  });

  it('resetClassifier replaces the head (PyTorch default or zero init) and can remove it', () => {
    const model = build();
    const x = images();
    model.resetClassifier(3, { zeroInit: true });
    const sd = model.stateDict();
    expect(sd['head.weight']!.shape).toEqual([3, 24]);
    const logits = model.forward(x);
    expect(logits.shape).toEqual([2, 3]);
    expect(Array.from(logits.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    model.resetClassifier(0, { globalPool: 'avg' });
    expect(model.numClasses).toBe(0);
    expect(Object.keys(model.stateDict()).some((k) => k.startsWith('head.'))).toBe(false);
    const pooled = model.forward(x);
    expect(pooled.shape).toEqual([2, 24]);
    expect(() => build({ classToken: false, globalPool: 'avg' }).resetClassifier(2, { globalPool: 'token' })).toThrow(/needs a class token/);
    tf.dispose([x, logits, pooled, ...Object.values(sd)]);
    model.dispose();
  });

  it('dynamicImgSize accepts other sizes and resamples the position embedding', () => {
    const model = build({ dynamicImgSize: true });
    const x = images(1, 24, 12);
    const features = model.forwardFeatures(x);
    expect(features.shape).toEqual([1, 1 + 6 * 3, 24]);
    const pos = model.positionEmbedding(6, 3);
    expect(pos.shape).toEqual([1, 19, 24]);
    // On the training grid the parameter is used as is.
    const same = model.positionEmbedding(4, 4);
    assertAllClose(same, model.posEmbed!, { atol: 0 });
    tf.dispose([x, features, pos, same]);
    model.dispose();
  });

  it('rejects bad images with errors that say what was expected', () => {
    const model = build();
    const dynamic = build({ dynamicImgSize: true });
    const cases: [VisionTransformer, tf.Tensor, RegExp][] = [
      [model, images(1, 20, 20), /expected NHWC images \[B, 16, 16, 3\], got \[1, 20, 20, 3\]; build with dynamicImgSize: true/],
      [model, images(1, 16, 16, 1), /expected NHWC images \[B, 16, 16, 3\], got \[1, 16, 16, 1\]/],
      [model, tf.zeros([16, 16, 3]), /got \[16, 16, 3\]/],
      [dynamic, images(1, 18, 16), /image size 18×16 is not a positive multiple of the patch size 4×4/],
    ];
    for (const [m, x, message] of cases) {
      expect(() => m.forward(x)).toThrow(ShapeError);
      expect(() => m.forward(x)).toThrow(message);
      x.dispose();
    }
    const f = tf.zeros([2, 17, 8]);
    expect(() => model.forwardHead(f)).toThrow(/expected features \[B, T, 24\], got \[2, 17, 8\]/);
    f.dispose();
    model.dispose();
    dynamic.dispose();
  });

  it('rejects invalid and unknown config keys', () => {
    expect(() => new VisionTransformer({ ...TINY, embedDim: 25 })).toThrow(/embedDim \(25\) must be divisible by numHeads \(2\)/);
    expect(() => new VisionTransformer({ ...TINY, classToken: false })).toThrow(/globalPool 'token' needs classToken: true/);
    expect(() => new VisionTransformer({ ...TINY, embed_dim: 8 } as VitConfigInput)).toThrow(ConfigError);
    expect(() => new VisionTransformer({ ...TINY, embed_dim: 8 } as VitConfigInput)).toThrow(/Unrecognized key.*embed_dim/);
  });

  it('NaN inputs propagate to NaN outputs rather than being silently masked', () => {
    const model = build();
    const x = tf.fill([1, 16, 16, 3], Number.NaN);
    const y = model.forward(x);
    expect(Number.isNaN(y.dataSync()[0]!)).toBe(true);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('leaks no tensors in any public method, and dispose frees every weight', async () => {
    const before = tf.memory().numTensors;
    const model = build({ dynamicImgSize: true, regTokens: 1 });
    const x = images();
    const f = model.forwardFeatures(x);
    await expectNoLeaks(() => model.forward(x).dispose());
    await expectNoLeaks(() => model.forwardFeatures(x).dispose());
    await expectNoLeaks(() => model.embed(x).dispose());
    await expectNoLeaks(() => model.forwardTokens(f).dispose());
    await expectNoLeaks(() => model.pool(f).dispose());
    await expectNoLeaks(() => model.forwardHead(f, { preLogits: true }).dispose());
    await expectNoLeaks(() => model.positionEmbedding(5, 3).dispose());
    await expectNoLeaks(() => {
      const r = model.forwardIntermediates(x, { indices: [0, 2], returnPrefixTokens: true });
      tf.dispose([r.features!, ...r.intermediates, ...r.prefixTokens!]);
    });
    await expectNoLeaks(() => model.resetClassifier(7));
    await expectNoLeaks(() => model.resetClassifier(4, { zeroInit: true }));
    await expectNoLeaks(() => tf.dispose(Object.values(model.stateDict())));
    const bad = tf.zeros([1, 2, 2, 3]);
    await expectNoLeaks(() => expect(() => model.forward(bad)).toThrow(ShapeError));
    tf.dispose([x, f, bad]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
