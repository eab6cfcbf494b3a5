import { ConfigError, StateDictError, tf } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { TINY } from './__fixtures__/tiny.js';
import { mmditSizes } from './config.js';
import { fromFlowmoConfig, loadFlowmoCheckpoint } from './from-official.js';
import { FlowmoTokenizer } from './tokenizer.js';

describe('fromFlowmoConfig', () => {
  it('maps base.yaml to FlowMo-Lo with the official sampler and training settings', () => {
    const { config, sampling, training } = fromFlowmoConfig({});
    expect(config).toMatchObject({ imageSize: 256, patchSize: 4, codeLength: 256, contextDim: 18, codebookSizeForEntropy: 9, mupWidth: 6, encMupWidth: 4, encDepth: 8, decDepth: 16 });
    expect(sampling).toEqual({ steps: 25, rho: 4, cfg: 1.5, cfgInterval: [0.17, 1.02] });
    expect(training).toMatchObject({ lr: 1e-4, betas: [0.9, 0.95], noiseSchedule: 'fat_lognormal', perceptualWeight: 0.1, perceptualNetwork: 'vgg', emaDecay: 0.9999, fixNormMode: 'l2', freezeEncoderAfter: 200_000 });
  });

  it('takes nested and OmegaConf-dotted overrides, unseen sizes and other DIT_ZOO entries', () => {
    const hi = fromFlowmoConfig({ 'model.context_dim': 56, model: { codebook_size_for_entropy: 14 } });
    expect([hi.config.contextDim, hi.config.codebookSizeForEntropy]).toEqual([56, 14]);
    const post = fromFlowmoConfig({ opt: { lr: 5e-5, lpips_mode: 'resnet', lpips_weight: 0.01, schedule: 'debug_0.3' }, 'model.posttrain_sample': true, 'eval.sampling.schedule': 'linear', 'eval.sampling.cfg_interval': null });
    expect(post.training).toMatchObject({ lr: 5e-5, perceptualNetwork: 'resnet', perceptualWeight: 0.01, noiseSchedule: 0.3, posttrainSample: true, posttrainSampleSteps: 8 });
    expect(post.sampling).toMatchObject({ rho: 1, cfgInterval: null });
    // An unseen size: patch 16 at 128², widths 2/3, 5 + 7 blocks, on the dit_s_4 base.
    const odd = fromFlowmoConfig({ 'data.image_size': 128, 'model.patch_size': 16, 'model.mup_width': 8, 'model.enc_mup_width': 4, 'model.enc_depth': 5, 'model.dec_depth': 7 }, { dit: 'dit_s_4' });
    const sizes = mmditSizes(odd.config);
    expect(sizes.encoder).toMatchObject({ hiddenSize: 384, numHeads: 6, axesDim: [8, 28, 28], depth: 5, inChannels: 768 });
    expect(sizes.decoder).toMatchObject({ hiddenSize: 768, axesDim: [16, 56, 56], depth: 7 });
  });

  it('rejects unknown keys and unsupported values, listing them all', () => {
    let message = '';
    try {
      fromFlowmoConfig({ model: { quantization_type: 'kl', contex_dim: 4 }, 'eval.sampling.mode': 'ddim', opt: { schedule: 'cosine' }, optimizer: {} });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/model\.contex_dim: not a key of the official config \(known in model: enable_mup, patch_size/);
    expect(message).toMatch(/optimizer: not a key of the official config/);
    expect(message).toMatch(/model\.quantization_type: "kl" is not supported/);
    expect(message).toMatch(/eval\.sampling\.mode: "ddim" is not supported/);
    expect(message).toMatch(/opt\.schedule: "cosine" is not supported/);
    expect(() => fromFlowmoConfig({ 'model.mup_width': 'six' })).toThrow(/model\.mup_width: expected a number, got "six"/);
    expect(() => fromFlowmoConfig({ 'model.context_dim': 10 })).toThrow(/contextDim \(10\) must be a multiple of codebookSizeForEntropy \(9\)/);
    expect(() => fromFlowmoConfig({}, { dit: 'dit_q' as never })).toThrow(/unknown DIT_ZOO entry "dit_q"/);
    // Infrastructure keys are accepted.
    expect(() => fromFlowmoConfig({ data: { num_workers: 2, imagenet_val_tar: 'x.tar' }, trainer: { enable_bfloat16: false } })).not.toThrow();
  });
});

describe('loadFlowmoCheckpoint', () => {
  it('loads FlowMo state dicts, also prefixed ones, and refuses other models clearly', () => {
    const a = new FlowmoTokenizer(TINY);
    const b = new FlowmoTokenizer(TINY);
    const sd = a.stateDict();
    const prefixed = Object.fromEntries(Object.entries(sd).flatMap(([k, v]) => [[`model_state_dict.module.${k}`, v], [`model_ema_state_dict.module.${k}`, v]]));
    expect(loadFlowmoCheckpoint(b, prefixed)).toEqual({ missing: [], unexpected: [] });
    const w = 'decoder.img_in.weight';
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a.stateDict()[w]!, b.stateDict()[w]!))).dataSync()[0])).toBe(0);
    const vit = { 'blocks.0.attn.qkv.weight': tf.zeros([3, 3]), 'cls_token': tf.zeros([1, 1, 3]) };
    expect(() => loadFlowmoCheckpoint(b, vit)).toThrow(StateDictError);
    expect(() => loadFlowmoCheckpoint(b, vit)).toThrow(/not a FlowMo state dict: no encoder\.\* or decoder\.\* keys \(first keys: blocks\.0\.attn\.qkv\.weight, cls_token\)/);
    const bigger = new FlowmoTokenizer({ ...TINY, decDepth: 2 });
    expect(() => loadFlowmoCheckpoint(bigger, sd)).toThrow(/missing key: decoder\.double_blocks\.1\./);
    tf.dispose([...Object.values(sd), ...Object.values(vit)]);
    [a, b, bigger].forEach((m) => m.dispose());
  });
});
