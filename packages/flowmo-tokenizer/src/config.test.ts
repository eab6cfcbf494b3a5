import { ConfigError } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { bitsPerPixel, flowmoParameterCount, mmditSizes, parseFlowmoConfig } from './config.js';
import { FLOWMO_PRESETS, flowmoPreset } from './presets.js';
import { FlowmoTokenizer } from './tokenizer.js';

describe('FlowMo config', () => {
  it('defaults to the official FlowMo-Lo sizes, scaled by the μP width rule', () => {
    const { encoder, decoder } = mmditSizes(parseFlowmoConfig({}));
    expect(encoder).toMatchObject({ hiddenSize: 768, numHeads: 12, depth: 8, axesDim: [8, 28, 28], inChannels: 48, contextDim: 18, attentionScale: 8 / 64 });
    expect(decoder).toMatchObject({ hiddenSize: 1152, numHeads: 12, depth: 16, axesDim: [12, 42, 42], contextDim: 19, attentionScale: 8 / 96 });
    expect(mmditSizes(parseFlowmoConfig({ mup: false })).decoder.attentionScale).toBeCloseTo(1 / Math.sqrt(96), 12);
    expect(mmditSizes(parseFlowmoConfig({ encMupWidth: null })).encoder.hiddenSize).toBe(1152);
  });

  it('has presets at the paper bit rates whose parameter counts match the built model', () => {
    expect(bitsPerPixel(parseFlowmoConfig(flowmoPreset('flowmo_lo')))).toBeCloseTo(0.0703, 4);
    expect(bitsPerPixel(parseFlowmoConfig(flowmoPreset('flowmo_hi')))).toBeCloseTo(0.219, 3);
    for (const [name, p] of Object.entries(FLOWMO_PRESETS)) {
      const config = parseFlowmoConfig(p.config);
      expect(flowmoParameterCount(config), name).toBe(p.params);
      expect(bitsPerPixel(config), name).toBe(p.bpp);
    }
    // The counting rule against real modules (the tiny preset's count is the official fixture's).
    for (const name of ['flowmo_tiny_p8_img32', 'flowmo_small_img32'] as const) {
      const model = new FlowmoTokenizer(flowmoPreset(name));
      expect(model.numParameters(), name).toBe(FLOWMO_PRESETS[name].params);
      model.dispose();
    }
    expect(() => flowmoPreset('flowmo_xl')).toThrow(/unknown FlowMo preset 'flowmo_xl' \(known: flowmo_lo, flowmo_hi/);
  });

  it('rejects unknown keys and inconsistent sizes, naming each problem', () => {
    expect(() => parseFlowmoConfig({ contextDim: 18, codeLen: 3 })).toThrow(ConfigError);
    expect(() => parseFlowmoConfig({ codeLen: 3 })).toThrow(/codeLen/);
    expect(() => parseFlowmoConfig({ contextDim: 20 })).toThrow(/contextDim \(20\) must be a multiple of codebookSizeForEntropy \(9\)/);
    expect(() => parseFlowmoConfig({ mupWidth: 1 })).toThrow(/decoder: RoPE axes \[2, 7, 7\] at width 1 must all be positive and even/);
    expect(() => parseFlowmoConfig({ quantizer: 'fsq', contextDim: 3 })).toThrow(/FSQ needs one level count per code channel \(3\)/);
    expect(() => parseFlowmoConfig({ fsqLevels: [8, 8] })).toThrow(/fsqLevels needs quantizer: 'fsq'/);
    expect(() => parseFlowmoConfig({ dit: { hiddenSize: 768, numHeads: 10 } })).toThrow(/multiple of numHeads/);
    expect(() => parseFlowmoConfig({ imageSize: 250 })).toThrow(/multiple of patchSize/);
  });
});
