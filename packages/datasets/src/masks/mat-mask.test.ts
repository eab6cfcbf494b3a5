import fs from 'node:fs';
import { Rng } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { decodeLabelPng } from '../node/png-labels.js';
import { matFreeFormMask, matFreeFormMaskBatch } from './mat-mask.js';
import type { MatMaskPreset } from './mat-mask.js';
import { drawPolyline } from './raster.js';

function stats(values: number[]): { mean: number; p50: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, p50: sorted[Math.floor(sorted.length / 2)]! };
}

describe('MAT free-form masks', () => {
  it('uses 1 = known, 0 = hole and reports the hole ratio', () => {
    const m = matFreeFormMask(64, new Rng(1));
    expect(m.mask.length).toBe(64 * 64);
    expect(m.mask.every((v) => v === 0 || v === 1)).toBe(true);
    const holes = m.mask.filter((v) => v === 0).length;
    expect(m.holeRatio).toBeCloseTo(holes / m.mask.length, 12);
    expect(m.holeRatio).toBeGreaterThan(0);
    expect(m.holeRatio).toBeLessThan(1);
  });

  it('is reproducible from the seed', () => {
    expect(matFreeFormMask(48, new Rng(3)).mask).toEqual(matFreeFormMask(48, new Rng(3)).mask);
    expect(matFreeFormMask(48, new Rng(3)).mask).not.toEqual(matFreeFormMask(48, new Rng(4)).mask);
  });

  it('rejects masks outside the hole range', () => {
    const rng = new Rng(2);
    for (let k = 0; k < 40; k++) {
      const { holeRatio } = matFreeFormMask(64, rng, { holeRange: [0.3, 0.5] });
      expect(holeRatio).toBeGreaterThan(0.3);
      expect(holeRatio).toBeLessThan(0.5);
    }
    expect(() => matFreeFormMask(32, new Rng(0), { holeRange: [0.9999, 1], maxAttempts: 5 })).toThrow(/no mask with hole ratio in \(0.9999, 1\) after 5 attempts/);
    expect(() => matFreeFormMask(32, new Rng(0), { holeRange: [0.5, 0.2] })).toThrow(/0 ≤ lo < hi ≤ 1/);
  });

  // Reference: reference/mat_mask_stats.py run on fenglinglwb/MAT@d273d891's own generators,
  // 2000 masks each with numpy seed 0 (mean / median hole ratio).
  const official: [MatMaskPreset, number, number, number][] = [
    ['512', 512, 0.3994, 0.401],
    ['512-small', 512, 0.2219, 0.1967],
    ['256', 256, 0.4064, 0.4154],
  ];
  it.each(official)('matches the hole-ratio statistics of the official %s generator', (preset, size, mean, median) => {
    const rng = new Rng(11);
    const ratios = Array.from({ length: 300 }, () => matFreeFormMask(size, rng, { preset }).holeRatio);
    const s = stats(ratios);
    // σ of a hole ratio ≈ 0.14–0.19, so the standard error of 300 masks is ≈ 0.011.
    expect(Math.abs(s.mean - mean)).toBeLessThan(0.035);
    expect(Math.abs(s.p50 - median)).toBeLessThan(0.05);
  });

  it('draws strokes like PIL line + vertex ellipses (reference/png_fixtures.py)', () => {
    const pil = decodeLabelPng(fs.readFileSync(new URL('./__fixtures__/pil-strokes.png', import.meta.url)), 'pil-strokes.png');
    const ours = { data: new Uint8Array(96 * 96), height: 96, width: 96 };
    drawPolyline(ours, [[10, 20], [60, 15], [80, 70], [30, 85], [31, 86]], 17);
    drawPolyline(ours, [[90, 5], [50, 50], [5, 60]], 12);
    let inter = 0;
    let union = 0;
    for (let i = 0; i < ours.data.length; i++) {
      inter += ours.data[i]! & pil.data[i]!;
      union += ours.data[i]! | pil.data[i]!;
    }
    // PIL rasterises wide lines as rounded polygons; the two differ by about a pixel along
    // some edges (IoU 0.962, 157 of ~4100 pixels when written).
    expect(union).toBeGreaterThan(4000);
    expect(inter / union).toBeGreaterThan(0.95);
  });

  it('batches as an NHWC tensor without leaking', async () => {
    const { masks, holeRatios } = await expectNoLeaks(() => matFreeFormMaskBatch(3, 32, new Rng(0), { preset: '256' }), 1);
    expect(masks.shape).toEqual([3, 32, 32, 1]);
    expect(holeRatios).toHaveLength(3);
    const mean = masks.mean([1, 2, 3]).dataSync();
    holeRatios.forEach((r, i) => expect(1 - mean[i]!).toBeCloseTo(r, 5));
    masks.dispose();
  });
});
