import { ConfigError } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { channelsAt, numWs, parseMatConfig, sizeMultiple, stageLayout } from './config.js';
import { MatDiscriminator } from './discriminator.js';
import { MatGenerator } from './generator.js';
import { MAT_PRESETS, matPresetConfig } from './presets.js';

describe('MAT config', () => {
  it('defaults to the official 512 model', () => {
    const c = parseMatConfig();
    expect(c.imgResolution).toBe(512);
    expect(c.firstStage).toEqual({ dim: 180, tokenResolution: 64, depths: [2, 3, 4, 3, 2], windowSizes: [8, 16, 16, 16, 8], numHeads: 6, mlpRatio: 2 });
    expect(c.mapping).toEqual({ numLayers: 8, lrMultiplier: 0.01, wAvgBeta: 0.995 });
    expect(numWs(c)).toBe(12);
    // The official nf table.
    expect([512, 256, 128, 64, 32, 16, 8, 4].map((r) => channelsAt(c, r))).toEqual([64, 128, 256, 512, 512, 512, 512, 512]);
    // Stage grids 64/32/16/32/64 with windows 8/16/16/16/8; the 16×16 stage is a single window.
    expect(stageLayout(c)).toEqual([
      { grid: 64, window: 8 },
      { grid: 32, window: 16 },
      { grid: 16, window: 16 },
      { grid: 32, window: 16 },
      { grid: 64, window: 8 },
    ]);
    // "The input must be padded or resized to a multiple of 512."
    expect(sizeMultiple(c)).toBe(512);
    expect(sizeMultiple(parseMatConfig({ imgResolution: 256 }))).toBe(256);
  });

  it('rejects unknown keys and invalid values, listing each', () => {
    expect(() => parseMatConfig({ imgResolutoin: 256 })).toThrow(ConfigError);
    expect(() => parseMatConfig({ imgResolutoin: 256 })).toThrow(/imgResolutoin/);
    expect(() => parseMatConfig({ firstStage: { dims: 64 } })).toThrow(/firstStage.*dims|dims/);
    expect(() => parseMatConfig({ imgResolution: 100 })).toThrow(/imgResolution: must be a power of two/);
    expect(() => parseMatConfig({ imgResolution: 64 })).toThrow(/tokenResolution: must be at most imgResolution\/2 = 32/);
    expect(() => parseMatConfig({ firstStage: { numHeads: 7 } })).toThrow(/not divisible by 7 heads/);
    expect(() => parseMatConfig({ firstStage: { depths: [2, 2] } })).toThrow(/depths/);
    expect(() => matPresetConfig('mat-1024')).toThrow(/unknown MAT preset 'mat-1024' \(known: mat-512, mat-256, mat-tiny-64\)/);
  });

  it('presets reproduce the official parameter counts (61.6M G / 36.2M D at 512) and the tiny model', () => {
    for (const name of ['mat-512', 'mat-tiny-64'] as const) {
      const preset = MAT_PRESETS[name];
      const G = new MatGenerator(preset.config);
      const D = new MatDiscriminator(preset.config);
      expect([name, G.numParameters(), D.numParameters()]).toEqual([name, preset.generatorParams, preset.discriminatorParams]);
      G.dispose();
      D.dispose();
    }
  });
});
