import { describe, expect, it } from 'vitest';
import { tileGrid } from './grid.js';

describe('tileGrid', () => {
  it('places upscaled grey and RGB tiles in cells on white, row by row', () => {
    const grey = { width: 1, height: 1, channels: 1 as const, data: Uint8Array.of(10) };
    const rgb = { width: 1, height: 1, channels: 3 as const, data: Uint8Array.of(1, 2, 3) };
    const g = tileGrid([grey, rgb, grey], { cols: 2, scale: 2, gap: 1 });
    expect([g.width, g.height, g.channels]).toEqual([2 * 2 + 3, 2 * 2 + 3, 3]);
    const at = (x: number, y: number): number[] => Array.from(g.data.subarray((y * g.width + x) * 3, (y * g.width + x) * 3 + 3));
    expect(at(0, 0)).toEqual([255, 255, 255]); // gutter
    expect(at(1, 1)).toEqual([10, 10, 10]);
    expect(at(2, 2)).toEqual([10, 10, 10]);
    expect(at(4, 1)).toEqual([1, 2, 3]);
    expect(at(1, 4)).toEqual([10, 10, 10]); // second row
    expect(at(4, 4)).toEqual([255, 255, 255]); // empty cell
  });

  it('rejects bad arguments and inconsistent tiles', () => {
    expect(() => tileGrid([], { cols: 1 })).toThrow(/no tiles/);
    expect(() => tileGrid([{ width: 2, height: 1, channels: 1, data: new Uint8Array(1) }], { cols: 1 })).toThrow(/tile 0 has 1 bytes for 2×1×1/);
    expect(() => tileGrid([{ width: 1, height: 1, channels: 1, data: new Uint8Array(1) }], { cols: 0 })).toThrow(/positive integers/);
  });
});
