import { ConfigError, PatchworkError, StateDictError, tf } from '@patchwork/tensor-core';
import { loadFixtureCase } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { parseMatConfig } from './config.js';
import {
  basicLayerFromOfficial,
  conv2dLayerPartialFromOfficial,
  firstStageFromOfficial,
  loadOfficialStateDict,
  mappingNetFromOfficial,
  matConfigFromOfficial,
  swinBlockFromOfficial,
} from './from-official.js';
import { MappingNetwork } from './style/mapping-network.js';

const OFFICIAL_512 = { z_dim: 512, c_dim: 0, w_dim: 512, img_resolution: 512, img_channels: 3 };

describe('official constructor kwargs', () => {
  it('Generator kwargs → the config (generate_image.py’s call is the default config)', () => {
    expect(matConfigFromOfficial(OFFICIAL_512)).toEqual(parseMatConfig());
    const c = matConfigFromOfficial({ ...OFFICIAL_512, img_resolution: 256, synthesis_kwargs: { channel_base: 16384, use_noise: false }, mapping_kwargs: { num_layers: 4 } });
    expect([c.imgResolution, c.useNoise, c.mapping.numLayers]).toEqual([256, false, 4]);
  });

  it('rejects unknown kwargs by name and values the port cannot honour with the reason', () => {
    expect(() => matConfigFromOfficial({ ...OFFICIAL_512, img_res: 512 })).toThrow(ConfigError);
    expect(() => matConfigFromOfficial({ ...OFFICIAL_512, img_res: 512 })).toThrow(/img_res/);
    expect(() => matConfigFromOfficial({ ...OFFICIAL_512, c_dim: 10 })).toThrow(/label conditioning/);
    expect(() => mappingNetFromOfficial({ z_dim: 8, c_dim: 0, w_dim: 8, num_ws: 2, activation: 'relu' })).toThrow(/only 'lrelu'/);
    expect(() => conv2dLayerPartialFromOfficial({ in_channels: 4, out_channels: 8, kernel_size: 3, conv_clamp: 256 })).toThrow(/conv_clamp/);
    expect(() => conv2dLayerPartialFromOfficial({ in_channels: 4, out_channels: 8, kernel_size: 3, resample_filter: [1, 2, 1] })).toThrow(/resample_filter/);
    expect(() => conv2dLayerPartialFromOfficial({ in_channels: 4, out_channels: 8, kernel_size: 3, trainable: false })).toThrow(/trainable=False/);
    expect(() => conv2dLayerPartialFromOfficial({ in_channels: 4, out_channels: 8, kernel_size: 3, down: 4 })).toThrow(/down must be 1 or 2/);
    expect(() => basicLayerFromOfficial({ dim: 24, input_resolution: [8, 8], depth: 2, num_heads: 6, window_size: 4, downsample: 'PatchMerging(24, 32, down=2)' })).toThrow(/out_channels must equal dim/);
    expect(() => firstStageFromOfficial({ img_channels: 3, img_resolution: 64 })).toThrow(/tokenResolution: must be at most imgResolution\/2/);
  });

  it('accepts what the official classes accept and ignore (dropout rates, drop_path lists, qkv_bias)', () => {
    const block = swinBlockFromOfficial({ dim: 12, input_resolution: [8, 8], num_heads: 3, window_size: 8, shift_size: 4, drop: 0.1, attn_drop: 0.2, drop_path: 0.3, qkv_bias: false });
    // The map is no larger than the window: one window, no shift, hence no attn_mask buffer (as officially).
    expect([block.windowSize, block.shiftSize]).toEqual([8, 0]);
    expect(block.namedBuffers().map(([n]) => n)).toEqual([]);
    block.dispose();
    const stage = basicLayerFromOfficial({ dim: 12, input_resolution: [8, 8], depth: 2, num_heads: 3, window_size: 4, drop_path: [0, 0.05], downsample: { class: 'PatchUpsampling', in_channels: 12, out_channels: 12, up: 2 } });
    expect(stage.downsample?.mode).toBe('up');
    stage.dispose();
    const conv = conv2dLayerPartialFromOfficial({ in_channels: 4, out_channels: 4, kernel_size: 3, up: 2 });
    const x = tf.zeros([1, 4, 4, 4]);
    const mask = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
    expect(() => conv.forward(x, mask)).toThrow(/upsampling \(up=2\) partial convolution/);
    tf.dispose([x, mask]);
    conv.dispose();
  });
});

describe('loadOfficialStateDict', () => {
  it('loads strictly except for the omitted attn_mask buffers', () => {
    const c = loadFixtureCase('mat/basic_layer_patchmerging');
    const m = basicLayerFromOfficial(c.caseJson.constructor);
    const { 'blocks.1.attn_mask': _mask, ...withoutMask } = c.weights;
    expect(loadOfficialStateDict(m, withoutMask).missing).toEqual(['blocks.1.attn_mask']);
    const { 'conv.conv.bias': _bias, ...withoutBias } = c.weights;
    expect(() => loadOfficialStateDict(m, withoutBias)).toThrow(/missing key: conv.conv.bias/);
    const filter = c.weights['conv.conv.resample_filter']!;
    const wrongFilter = { ...c.weights, 'conv.conv.resample_filter': tf.mul(filter, 2) };
    expect(() => loadOfficialStateDict(m, wrongFilter)).toThrow(/resample_filter: only MAT's \[1, 3, 3, 1\]/);
    wrongFilter['conv.conv.resample_filter'].dispose();
    m.dispose();
    c.dispose();
  });

  it('refuses a checkpoint of another model, naming the keys', () => {
    const c = loadFixtureCase('mat/mapping_net');
    const stage = firstStageFromOfficial({ img_channels: 3, img_resolution: 128, dim: 24, w_dim: 32 });
    expect(() => loadOfficialStateDict(stage, c.weights)).toThrow(StateDictError);
    expect(() => loadOfficialStateDict(stage, c.weights)).toThrow(/no key matched: is this a checkpoint of another model\?[\s\S]*unexpected key: fc0.weight/);
    stage.dispose();
    const wider = new MappingNetwork({ zDim: 16, wDim: 64, numWs: 6 });
    expect(() => loadOfficialStateDict(wider, c.weights)).toThrow(/fc0.weight: shape \[32, 16\] in the checkpoint, \[64, 16\] in the model/);
    wider.dispose();
    c.dispose();
    expect(() => mappingNetFromOfficial('MappingNet(16, 0, 32)')).toThrow(PatchworkError);
  });
});
