import { Rng, tf } from '@patchwork/tensor-core';
import { countMacs } from '@patchwork/layers';
import { VIT_PRESETS, VisionTransformer, parseVitConfig } from '@patchwork/vit';
import type { VitConfigInput } from '@patchwork/vit';
import { describe, expect, it } from 'vitest';
import { modelInfo } from './info.js';
import { vitComplexity, vitInfoProvider } from './vit.js';

describe('vit info', () => {
  it('reports every preset with its recorded (timm) parameter count', async () => {
    for (const [name, preset] of Object.entries(VIT_PRESETS)) {
      expect((await modelInfo(name, undefined, [vitInfoProvider])).params, name).toBe(preset.params);
    }
    const base = await modelInfo('vit_base_patch16_224', 384, [vitInfoProvider]);
    expect(base).toMatchObject({ family: 'vit', inputSize: 384, params: VIT_PRESETS.vit_base_patch16_384.params });
    await expect(modelInfo('vit_base_patch16_224', 200, [vitInfoProvider])).rejects.toThrow(/--size 200 is not a multiple of the patch size 16/);
  });

  it.each<[string, VitConfigInput]>([
    ['micro preset', { imgSize: 28, patchSize: 4, inChans: 1, numClasses: 10, embedDim: 64, depth: 2, numHeads: 4 }],
    ['registers, LayerScale, qk-norm, no biases', { imgSize: 16, patchSize: 4, embedDim: 32, depth: 1, numHeads: 2, regTokens: 2, initValues: 0.1, qkNorm: true, qkvBias: false, projBias: false, numClasses: 3 }],
    ['no class token, pre-norm, no pooling, no head', { imgSize: 16, patchSize: 8, embedDim: 16, depth: 1, numHeads: 2, classToken: false, globalPool: '', preNorm: true, numClasses: 0 }],
  ])('structure formula equals the built model and countMacs: %s', async (_, input) => {
    const model = new VisionTransformer(input, { rng: new Rng(0) }).eval();
    const config = parseVitConfig(input);
    const { params, macs } = vitComplexity(config);
    expect(params).toBe(model.numParameters());
    const size = typeof config.imgSize === 'number' ? config.imgSize : config.imgSize[0];
    const x = tf.zeros([1, size, size, config.inChans]);
    expect(macs).toBe((await countMacs(() => model.forward(x))).total);
    x.dispose();
    model.dispose();
  });
});
