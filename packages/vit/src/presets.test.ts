import { tf } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { gridSizeOf, parseVitConfig } from './config.js';
import type { VitConfigInput } from './config.js';
import { VIT_PRESETS, createVit, vitPresetConfig } from './presets.js';

/** timm's parameter count of a standard ViT, written out from the module structure. */
function timmParamCount(input: VitConfigInput): number {
  const c = parseVitConfig(input);
  const d = c.embedDim;
  const [gh, gw] = gridSizeOf(c.imgSize, c.patchSize);
  const [ph, pw] = typeof c.patchSize === 'number' ? [c.patchSize, c.patchSize] : c.patchSize;
  const hidden = Math.floor(d * c.mlpRatio);
  const patchEmbed = d * c.inChans * ph * pw + d;
  const posEmbed = (gh * gw + 1) * d; // learned, with a class-token row
  const block = 2 * d + (3 * d * d + 3 * d) + (d * d + d) + 2 * d + (d * hidden + hidden) + (hidden * d + d);
  const head = c.numClasses > 0 ? d * c.numClasses + c.numClasses : 0;
  return patchEmbed + d /* cls_token */ + posEmbed + c.depth * block + 2 * d /* norm */ + head;
}

describe('ViT presets', () => {
  it('vit_base_patch16_224 has 86,567,656 parameters, as timm', () => {
    expect(VIT_PRESETS.vit_base_patch16_224.params).toBe(86_567_656);
  });

  it.each(Object.entries(VIT_PRESETS))('%s: recorded count equals the timm module-structure count', (_, preset) => {
    expect(timmParamCount(preset.config)).toBe(preset.params);
  });

  it('384 variants count the larger position embedding', () => {
    const extra = (VIT_PRESETS.vit_base_patch16_384.params - VIT_PRESETS.vit_base_patch16_224.params) / 768;
    expect(extra).toBe(24 * 24 - 14 * 14);
  });

  // Building allocates every weight, so only the presets that fit comfortably in a unit test.
  it.each(['vit_micro_patch4_28', 'vit_micro_patch4_32', 'vit_tiny_patch4_32', 'vit_tiny_patch16_224', 'vit_tiny_patch16_384'])(
    '%s: the built model has the recorded count and only one tensor per parameter',
    (name) => {
      const before = tf.memory().numTensors;
      const model = createVit(name);
      expect(model.numParameters()).toBe(VIT_PRESETS[name as keyof typeof VIT_PRESETS].params);
      expect(tf.memory().numTensors - before).toBe(model.namedParameters().length);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('applies overrides and rejects unknown presets with the list of known ones', () => {
    expect(vitPresetConfig('vit_base_patch16_224', { numClasses: 10 })).toMatchObject({ embedDim: 768, numClasses: 10 });
    expect(() => vitPresetConfig('vit_gigantic_patch1_1')).toThrow(/unknown ViT preset 'vit_gigantic_patch1_1'; known: vit_tiny_patch16_224/);
  });
});
