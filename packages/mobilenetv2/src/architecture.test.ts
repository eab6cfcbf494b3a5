import { describe, expect, it } from 'vitest';
import { makeDivisible, planMobileNetV2 } from './architecture.js';
import { parseMobileNetV2Config } from './config.js';

const plan = (input: unknown) => planMobileNetV2(parseMobileNetV2Config(input));
const widths = (input: unknown) => plan(input).blocks.map((b) => [b.inChannels, b.hiddenChannels, b.outChannels]);

describe('makeDivisible', () => {
  it('matches torchvision _make_divisible, including the 10% rule and min_value', () => {
    expect(makeDivisible(32 * 0.35, 8)).toBe(16); // 11.2 → 8 would lose 29%, so 16
    expect(makeDivisible(16 * 0.35, 8)).toBe(8);
    expect(makeDivisible(24 * 0.35, 8)).toBe(8);
    expect(makeDivisible(96 * 0.35, 8)).toBe(32); // 33.6
    expect(makeDivisible(320 * 0.35, 8)).toBe(112);
    expect(makeDivisible(1280 * 1.4, 8)).toBe(1792);
    expect(makeDivisible(19.2, 8)).toBe(24); // 16 < 0.9·19.2
    expect(makeDivisible(3, 8)).toBe(8);
    expect(makeDivisible(22.4, 1)).toBe(22);
    expect(makeDivisible(40, 16, 48)).toBe(48);
  });
});

describe('planMobileNetV2', () => {
  it('lays out the paper network (Table 2 and the seed torchsummary widths)', () => {
    const p = plan({});
    expect(p.stemChannels).toBe(32);
    expect(p.lastChannel).toBe(1280);
    expect(p.blocks).toHaveLength(17);
    expect(p.blocks[0]).toMatchObject({ index: 1, inChannels: 32, hiddenChannels: 32, outChannels: 16, expandRatio: 1, stride: 1, residual: false });
    // Expanded widths per stage: 96, 144, 192, 384, 576, 960.
    const firstOfStage = [1, 3, 6, 10, 13, 16].map((i) => p.blocks[i]!.hiddenChannels);
    expect(firstOfStage).toEqual([96, 144, 192, 384, 576, 960]);
    expect(p.blocks.map((b) => b.stride)).toEqual([1, 2, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1]);
    expect(p.blocks.filter((b) => b.residual).map((b) => b.index)).toEqual([3, 5, 6, 8, 9, 10, 12, 13, 15, 16]);
    expect(p.reduction).toBe(32);
    expect(p.outputStride).toBe(32);
  });

  it('width 0.5 gives the fixture channels 16,8,16,16,32,48,80,160 and keeps last_channel 1280', () => {
    const p = plan({ widthMult: 0.5 });
    const stages = [p.stemChannels, ...[0, 1, 3, 6, 10, 13, 16].map((i) => p.blocks[i]!.outChannels)];
    expect(stages).toEqual([16, 8, 16, 16, 32, 48, 80, 160]);
    expect(p.lastChannel).toBe(1280);
    expect(plan({ widthMult: 1.4 }).lastChannel).toBe(1792);
  });

  // Reference values: scripts/torchvision_reference.py (torchvision 0.14).
  it('reproduces torchvision widths for unusual configs (width 0.6, round_nearest 1, round-half-even expansion)', () => {
    expect(widths({ widthMult: 0.6 })).toEqual([
      [24, 24, 16], [16, 96, 16], [16, 96, 16], [16, 96, 24], [24, 144, 24], [24, 144, 24], [24, 144, 40], [40, 240, 40], [40, 240, 40],
      [40, 240, 40], [40, 240, 56], [56, 336, 56], [56, 336, 56], [56, 336, 96], [96, 576, 96], [96, 576, 96], [96, 576, 192],
    ]);
    expect(widths({ widthMult: 1, roundNearest: 1 }).map((b) => b[2])).toEqual([16, 24, 24, 32, 32, 32, 64, 64, 64, 64, 96, 96, 96, 160, 160, 160, 320]);
    const tie = { widthMult: 0.47, roundNearest: 1, invertedResidualSetting: [[1.5, 16, 1, 1], [2.5, 24, 2, 2], [3, 40, 2, 2], [4, 80, 1, 1]] };
    // 15 · 1.5 = 22.5 rounds to 22 (Python's round), and t = 1.5 ≠ 1 keeps the expansion conv.
    expect(widths(tie)).toEqual([[15, 22, 8], [8, 20, 11], [11, 28, 11], [11, 33, 19], [19, 57, 19], [19, 76, 38]]);
    // n = 0 skips a row, channels and all, as torchvision's loop does.
    expect(widths({ invertedResidualSetting: [[1, 16, 1, 1], [6, 24, 0, 2], [6, 32, 1, 2]] })).toEqual([[32, 32, 16], [16, 96, 32]]);
  });

  it('puts the pyramid at the last block of strides 4/8/16/32 (2/4/8/16 with stemStride 1)', () => {
    expect(plan({}).pyramid).toEqual([
      { module: 'features.3', index: 3, channels: 24, stride: 4, reduction: 4 },
      { module: 'features.6', index: 6, channels: 32, stride: 8, reduction: 8 },
      { module: 'features.13', index: 13, channels: 96, stride: 16, reduction: 16 },
      { module: 'features.17', index: 17, channels: 320, stride: 32, reduction: 32 },
    ]);
    const small = plan({ stemStride: 1 });
    expect(small.pyramid.map((l) => [l.index, l.stride])).toEqual([[3, 2], [6, 4], [13, 8], [17, 16]]);
    expect(small.reduction).toBe(16);
  });

  it('output stride 16 and 8 turn later strides into dilations, TF-slim style', () => {
    const os16 = plan({ outputStride: 16 });
    // Block 14 (c = 160) gives up its stride at the previous rate; the blocks after it use rate 2.
    expect(os16.blocks.slice(13).map((b) => [b.index, b.stride, b.dilation])).toEqual([[14, 1, 1], [15, 1, 2], [16, 1, 2], [17, 1, 2]]);
    expect(os16.blocks.slice(0, 13).every((b) => b.dilation === 1)).toBe(true);
    expect(os16.outputStride).toBe(16);
    expect(os16.pyramid.map((l) => [l.stride, l.reduction])).toEqual([[4, 4], [8, 8], [16, 16], [16, 32]]);
    // Residual connections follow the table, not the rewritten stride: block 14 still has none.
    expect(os16.blocks.map((b) => b.residual)).toEqual(plan({}).blocks.map((b) => b.residual));

    const os8 = plan({ outputStride: 8 });
    expect(os8.blocks.map((b) => b.dilation)).toEqual([1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 4, 4, 4]);
    expect(os8.blocks.map((b) => b.stride)).toEqual([1, 2, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(os8.outputStride).toBe(8);
    // Output stride ≥ the network's own stride changes nothing.
    expect(plan({ stemStride: 1, outputStride: 16 }).blocks).toEqual(plan({ stemStride: 1 }).blocks);
  });
});
