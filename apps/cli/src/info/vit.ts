import { PatchworkError } from '@patchwork/tensor-core';
import { VIT_PRESETS, gridSizeOf, parseVitConfig, toPair, vitPresetConfig } from '@patchwork/vit';
import type { VitConfig } from '@patchwork/vit';
import type { InfoProvider, ModelInfo } from './provider.js';

/**
 * Parameters and multiply-accumulates of a ViT config at batch 1, from its structure (so even
 * ViT-H/14 needs no weights in memory). Parameters are timm's `parameters()` count; MACs follow
 * `@patchwork/layers` `countMacs`: the patch convolution, every Linear (qkv, proj, fc1, fc2, head) and
 * both attention matmuls (q·kᵀ and attn·v, T²·D each); norms, softmax, GELU and pooling are free.
 */
export function vitComplexity(config: VitConfig): { params: number; macs: number } {
  const d = config.embedDim;
  const [ph, pw] = toPair(config.patchSize);
  const [gh, gw] = gridSizeOf(config.imgSize, config.patchSize);
  const patches = gh * gw;
  const prefix = (config.classToken ? 1 : 0) + config.regTokens;
  const tokens = prefix + patches;
  const hidden = Math.floor(d * config.mlpRatio);
  const headDim = d / config.numHeads;
  const patchIn = config.inChans * ph * pw;

  const linear = (inF: number, outF: number, bias: boolean): number => inF * outF + (bias ? outF : 0);
  const block =
    2 * d + // norm1
    linear(d, 3 * d, config.qkvBias) +
    (config.qkNorm ? 4 * headDim : 0) +
    linear(d, d, config.projBias) +
    (config.initValues === null ? 0 : 2 * d) + // ls1, ls2
    2 * d + // norm2
    linear(d, hidden, config.projBias) +
    linear(hidden, d, config.projBias);
  const params =
    linear(patchIn, d, !config.preNorm) +
    prefix * d +
    (config.posEmbed === 'learn' ? (config.noEmbedClass ? patches : tokens) * d : 0) +
    (config.preNorm ? 2 * d : 0) +
    config.depth * block +
    (config.finalNorm ? 2 * d : 0) + // norm or fc_norm
    (config.numClasses > 0 ? linear(d, config.numClasses, true) : 0);

  const blockMacs = tokens * d * 3 * d + 2 * tokens * tokens * d + tokens * d * d + 2 * tokens * d * hidden;
  const pooledRows = config.globalPool === '' ? tokens : 1;
  const macs = patches * d * patchIn + config.depth * blockMacs + (config.numClasses > 0 ? pooledRows * d * config.numClasses : 0);
  return { params, macs };
}

/** `patchwork info` for the `@patchwork/vit` presets; `size` rebuilds the preset at that image size (as timm's `img_size=`). */
export const vitInfoProvider: InfoProvider = {
  names: () => Object.keys(VIT_PRESETS),
  info(name: string, size?: number): ModelInfo {
    const config = parseVitConfig(vitPresetConfig(name, size === undefined ? {} : { imgSize: size }));
    const [ph] = toPair(config.patchSize);
    const [inputSize] = toPair(config.imgSize);
    if (inputSize % ph !== 0) throw new PatchworkError('E_ARGUMENT', `${name}: --size ${inputSize} is not a multiple of the patch size ${ph}`);
    return { name, family: 'vit', inputSize, ...vitComplexity(config) };
  },
};
