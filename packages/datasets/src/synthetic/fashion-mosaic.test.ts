import { describe, expect, it } from 'vitest';
import { loadFashionMnist } from '../fashion-mnist-files.js';
import { FASHION_MOSAIC_CLASSES, FashionMnistMosaic } from './fashion-mosaic.js';

describe('FashionMnistMosaic', () => {
  const source = loadFashionMnist({ split: 'test' });
  const ds = new FashionMnistMosaic(source, { length: 50, seed: 3 });

  it('pastes real items with per-pixel labels = class + 1 and 0 = background', () => {
    expect(FASHION_MOSAIC_CLASSES).toHaveLength(11);
    for (let i = 0; i < ds.length; i++) {
      const { image, label, items } = ds.get(i);
      expect(image).toMatchObject({ height: 64, width: 64, channels: 1 });
      expect(items.length).toBeGreaterThanOrEqual(1);
      expect(items.length).toBeLessThanOrEqual(4);
      for (const item of items) {
        const [x0, y0] = item.box;
        const pixels = source.images.subarray(item.sourceIndex * 784, (item.sourceIndex + 1) * 784);
        expect(item.classIndex).toBe(source.labels[item.sourceIndex]);
        let wrong = 0;
        for (let y = 0; y < 28; y++) {
          for (let x = 0; x < 28; x++) {
            const v = pixels[y * 28 + x]!;
            const p = (y0 + y) * 64 + x0 + x;
            if (image.data[p]! < v || label.data[p] !== (v > 16 ? item.classIndex + 1 : 0)) wrong++;
          }
        }
        expect(wrong).toBe(0);
      }
    }
  });

  it('covers every class, with most pixels background', () => {
    const seen = new Set<number>();
    let fg = 0;
    let total = 0;
    for (let i = 0; i < ds.length; i++) {
      for (const v of ds.get(i).label.data) {
        seen.add(v);
        fg += v > 0 ? 1 : 0;
        total++;
      }
    }
    expect(seen.size).toBe(11);
    expect(fg / total).toBeGreaterThan(0.1);
    expect(fg / total).toBeLessThan(0.5);
  });

  it('is reproducible, offers RGB, and validates the layout', () => {
    expect(ds.get(5)).toEqual(new FashionMnistMosaic(source, { length: 50, seed: 3 }).get(5));
    const rgb = new FashionMnistMosaic(source, { length: 2, channels: 3, size: 96, grid: 3 }).get(1);
    expect(rgb.image.data.length).toBe(96 * 96 * 3);
    expect(rgb.image.data[0]).toBe(rgb.image.data[2]);
    expect(() => new FashionMnistMosaic(source, { length: 1, size: 50, grid: 2 })).toThrow(/cells smaller than the 28×28 items/);
  });
});
