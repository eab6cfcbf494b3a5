import { layerDecayGroups } from '@patchwork/layers';
import { Rng, tf } from '@patchwork/tensor-core';
import { VisionTransformer } from '@patchwork/vit';
import { describe, expect, it } from 'vitest';
import { FCNHead } from '../fcn-head.js';
import { Feature2Pyramid } from '../feature2pyramid.js';
import { SegmentationModel } from '../segmentation-model.js';
import { UPerHead } from '../uper-head.js';
import { segmentationLayerId, vitBackbone, vitOutIndices } from './vit.js';

const tinyVit = (rng: Rng): VisionTransformer =>
  new VisionTransformer({ imgSize: 32, patchSize: 8, embedDim: 16, depth: 4, numHeads: 2, numClasses: 0, finalNorm: false }, { rng });

describe('vitBackbone', () => {
  it("scales the recipe's blocks [3, 5, 7, 11] to the depth", () => {
    expect(vitOutIndices(12)).toEqual([3, 5, 7, 11]);
    expect(vitOutIndices(24)).toEqual([7, 11, 15, 23]);
    expect(vitOutIndices(6)).toEqual([1, 2, 3, 5]);
    expect(vitOutIndices(4)).toEqual([0, 1, 2, 3]);
    expect(() => vitOutIndices(3)).toThrow(/at least 4 blocks/);
  });

  it('gives four patch-stride maps; with Feature2Pyramid and UperNet + FCN it is the MAE/BEiT segmentation model', () => {
    const before = tf.memory().numTensors;
    const rng = new Rng(0);
    const backbone = vitBackbone(tinyVit(rng));
    expect(backbone.levels).toEqual(Array(4).fill({ channels: 16, stride: 8 }));
    const model = new SegmentationModel({
      backbone,
      neck: new Feature2Pyramid({ embedDim: 16, rescales: [2, 1, 0.5, 0.25] }, { rng }),
      decodeHead: new UPerHead({ inChannels: [16, 16, 16, 16], channels: 8, numClasses: 3, poolScales: [1, 2] }, { rng }),
      auxiliaryHead: new FCNHead({ inChannels: 16, inIndex: 2, channels: 8, numConvs: 1, concatInput: false, numClasses: 3, lossWeight: 0.4 }, { rng }),
    });
    expect(model.levels.map((l) => l.stride)).toEqual([4, 8, 16, 32]);
    const keys = model.namedParameters().map(([k]) => k);
    expect(keys.filter((k) => !k.startsWith('backbone.') && !k.startsWith('neck.') && !k.startsWith('decode_head.') && !k.startsWith('auxiliary_head.'))).toEqual([]);
    expect(keys).toContain('backbone.blocks.3.attn.qkv.weight');
    expect(keys).toContain('neck.upsample_2x.0.weight');

    const x = tf.randomNormal([2, 32, 32, 3]);
    const features = model.extractFeatures(x);
    expect(features.map((f) => f.shape)).toEqual([
      [2, 8, 8, 16],
      [2, 4, 4, 16],
      [2, 2, 2, 16],
      [2, 1, 1, 16],
    ]);
    const logits = model.eval().encodeDecode(x);
    expect(logits.shape).toEqual([2, 32, 32, 3]);
    tf.dispose([x, logits, ...features]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("segmentationLayerId gives mmseg's layer ids for layer-wise learning-rate decay", () => {
    const rng = new Rng(1);
    const model = new SegmentationModel({
      backbone: vitBackbone(tinyVit(rng)),
      neck: new Feature2Pyramid({ embedDim: 16, rescales: [2, 1, 0.5, 0.25] }, { rng }),
      decodeHead: new FCNHead({ inChannels: 16, channels: 8, numClasses: 3, numConvs: 1 }, { rng }),
    });
    const id = segmentationLayerId(4);
    expect(['backbone.cls_token', 'backbone.pos_embed', 'backbone.patch_embed.proj.weight', 'backbone.blocks.0.norm1.weight', 'backbone.blocks.3.mlp.fc2.bias', 'neck.upsample_2x.0.weight', 'decode_head.conv_seg.weight'].map(id)).toEqual([
      0, 0, 0, 1, 4, 5, 5,
    ]);
    const groups = layerDecayGroups(model, { weightDecay: 0.05, layerDecay: 0.65, numLayers: 4, layerId: id });
    const scaleOf = (name: string): number => groups.find((g) => g.names.includes(name))!.lrScale;
    expect(scaleOf('backbone.patch_embed.proj.weight')).toBeCloseTo(0.65 ** 5, 10);
    expect(scaleOf('decode_head.conv_seg.weight')).toBe(1);
    model.dispose();
  });

  it('rejects index lists that the pyramid neck cannot take', () => {
    const vit = tinyVit(new Rng(2));
    expect(() => vitBackbone(vit, { indices: [0, 1, 2] })).toThrow(/expected 4 block indices/);
    expect(() => vitBackbone(vit, { indices: [0, 1, 2, 4] })).toThrow(/block index 4 is out of range 0..3/);
    vit.dispose();
  });
});
