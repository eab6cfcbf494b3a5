import { Rng, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { MobileNetV2, createMobileNetV2 } from './mobilenetv2.js';
import { MOBILENETV2_PRESETS } from './presets.js';
import type { MobileNetV2PresetName } from './presets.js';

// Conv + linear MACs of torchvision's module tree, counted with forward hooks by
// scripts/torchvision_reference.py: the same convention as @patchwork/layers' countMacs, so they must agree exactly.
const TORCHVISION_MACS: Record<MobileNetV2PresetName, Record<number, number>> = {
  'mobilenet_v2_0.35': { 96: 11_934_128, 128: 20_220_672, 160: 30_874_800, 192: 43_896_512, 224: 59_285_808 },
  'mobilenet_v2_0.5': { 96: 18_885_440, 128: 32_578_560, 160: 50_184_000, 192: 71_701_760, 224: 97_131_840 },
  'mobilenet_v2_0.75': { 96: 39_445_472, 128: 69_129_728, 160: 107_295_200, 192: 153_941_888, 224: 209_069_792 },
  'mobilenet_v2_1.0': { 96: 56_289_152, 128: 99_074_048, 160: 154_083_200, 192: 221_316_608, 224: 300_774_272 },
  'mobilenet_v2_1.3': { 224: 509_374_560 },
  'mobilenet_v2_1.4': { 224: 582_195_824 },
};

describe('multiply-adds (the paper’s width × resolution trade-off)', () => {
  it.each(Object.keys(MOBILENETV2_PRESETS) as MobileNetV2PresetName[])('%s: equals torchvision and the published table', async (name) => {
    const model = createMobileNetV2(name, {}, { rng: new Rng(0) });
    const published = MOBILENETV2_PRESETS[name].publishedMMacs as Record<number, number>;
    for (const [size, mmacs] of Object.entries(published)) {
      const { total, byKernel } = await model.countMacs(Number(size));
      expect(total).toBe(TORCHVISION_MACS[name][Number(size)]);
      expect(Object.keys(byKernel).sort()).toEqual(['BatchMatMul', 'Conv2D', 'DepthwiseConv2dNative']);
      // The table rounds to whole millions, so "within 3%" cannot hold for the 11M and 18M entries
      // at 96 px, where the 1.28M-MAC classifier alone is 7–11% of the total: allow 1M there.
      const allowed = Math.max(0.03 * mmacs, 1);
      expect(Math.abs(total / 1e6 - mmacs), `${name} @ ${size}: ${total / 1e6}M vs ${mmacs}M`).toBeLessThanOrEqual(allowed);
    }
    model.dispose();
  });

  it('counting is leak-free, leaves BN statistics alone and restores the mode', async () => {
    const model = new MobileNetV2({ widthMult: 0.35, numClasses: 10 });
    const before = model.stateDict();
    const { total } = await expectNoLeaks(() => model.countMacs(64, 96));
    expect(total).toBeGreaterThan(0);
    expect(model.training).toBe(true);
    const after = model.stateDict();
    for (const [k, v] of Object.entries(before)) expect(Array.from(after[k]!.dataSync()), k).toEqual(Array.from(v.dataSync()));
    tf.dispose([...Object.values(before), ...Object.values(after)]);
    model.dispose();
  });
});
