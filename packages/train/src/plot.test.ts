import { describe, expect, it } from 'vitest';
import { linePlot } from './plot.js';

describe('linePlot', () => {
  it('draws a falling curve from top-left to bottom-right in the series colour', () => {
    const img = linePlot([{ points: [[0, 2], [1, 1], [2, 0.5]], color: [255, 0, 0] }], { width: 200, height: 120 });
    expect(img.data.length).toBe(200 * 120 * 3);
    const red = (x: number, y: number) => {
      const i = (y * 200 + x) * 3;
      return img.data[i] === 255 && img.data[i + 1] === 0;
    };
    const column = (x: number) => [...Array(120).keys()].filter((y) => red(x, y));
    const first = column(60);
    const last = column(185);
    expect(first.length).toBeGreaterThan(0);
    expect(last.length).toBeGreaterThan(0);
    expect(Math.min(...first)).toBeLessThan(Math.min(...last));
  });

  it('survives empty and non-finite data', () => {
    expect(linePlot([{ points: [] }]).width).toBe(480);
    expect(linePlot([{ points: [[0, Number.NaN], [1, 1]] }], { logY: true }).height).toBe(300);
  });
});
