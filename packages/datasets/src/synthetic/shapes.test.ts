import { describe, expect, it } from 'vitest';
import { SHAPE_CLASSES, ShapesDataset } from './shapes.js';

describe('ShapesDataset', () => {
  const ds = new ShapesDataset({ length: 200, size: 32, seed: 1 });

  it('is random-access and reproducible from (seed, index)', () => {
    expect(ds.get(17)).toEqual(new ShapesDataset({ length: 200, size: 32, seed: 1 }).get(17));
    expect(ds.get(17).image.data).not.toEqual(ds.get(18).image.data);
    expect(ds.get(17).image.data).not.toEqual(new ShapesDataset({ length: 200, seed: 2 }).get(17).image.data);
    expect(() => ds.get(200)).toThrow(/index 200 is out of range 0..199/);
  });

  it('covers every class with consistent class, box and segmentation labels', () => {
    const counts = new Array(SHAPE_CLASSES.length).fill(0);
    for (let i = 0; i < ds.length; i++) {
      const ex = ds.get(i);
      expect(ex.image).toMatchObject({ height: 32, width: 32, channels: 3 });
      expect(ex.objects).toHaveLength(1);
      const [obj] = ex.objects;
      counts[ex.label]++;
      const [x0, y0, x1, y1] = obj!.box;
      let outside = 0;
      let foreign = 0;
      let total = 0;
      ex.segmentation.data.forEach((v, p) => {
        if (v === 0) return;
        const [x, y] = [p % 32, Math.floor(p / 32)];
        total++;
        if (v !== ex.label + 1) foreign++;
        if (x < x0 || x >= x1 || y < y0 || y >= y1) outside++;
      });
      expect(total).toBeGreaterThan(20);
      expect([foreign, outside]).toEqual([0, 0]);
    }
    for (const c of counts) expect(c).toBeGreaterThan(20);
  });

  it('draws shapes that stand out from a textured, noisy background', () => {
    const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
    const std = (a: number[]): number => Math.sqrt(mean(a.map((v) => (v - mean(a)) ** 2)));
    for (let i = 0; i < 50; i++) {
      const ex = ds.get(i);
      const fg: number[] = [];
      const bg: number[] = [];
      ex.segmentation.data.forEach((v, p) => (v === 0 ? bg : fg).push((ex.image.data[p * 3]! + ex.image.data[p * 3 + 1]! + ex.image.data[p * 3 + 2]!) / 3));
      expect(Math.abs(mean(fg) - mean(bg))).toBeGreaterThan(30);
      expect(std(bg)).toBeGreaterThan(5);
    }
  });

  it('supports several occluding objects per image and validates options', () => {
    const multi = new ShapesDataset({ length: 10, size: 48, seed: 0, objectsPerImage: [2, 3] });
    for (let i = 0; i < 10; i++) {
      const ex = multi.get(i);
      expect(ex.objects.length).toBeGreaterThanOrEqual(2);
      const top = ex.objects[ex.objects.length - 1]!;
      expect(ex.segmentation.data).toContain(top.classIndex + 1);
    }
    expect(() => new ShapesDataset({ length: 0 })).toThrow(/length must be a positive integer/);
    expect(() => new ShapesDataset({ length: 1, objectsPerImage: [2, 1] })).toThrow(/objectsPerImage/);
  });
});
