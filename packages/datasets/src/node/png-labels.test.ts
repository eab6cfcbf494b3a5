import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeLabelPng } from './png-labels.js';

// Fixtures written by PIL (reference/png_fixtures.py) with this label pattern.
function expected(mod: number, ignore: boolean): number[] {
  const out: number[] = [];
  for (let y = 0; y < 23; y++) for (let x = 0; x < 37; x++) out.push(ignore && (x + y) % 13 === 0 ? 255 : (7 * x + 3 * y) % mod);
  return out;
}

const read = (name: string): Buffer => fs.readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url));

describe('decodeLabelPng', () => {
  it('reads palette indices (VOC) and grey values (ADE20K) as labels', () => {
    for (const [name, mod, ignore] of [['labels-palette8.png', 21, true], ['labels-palette4.png', 16, false], ['labels-grey8.png', 21, true]] as const) {
      const label = decodeLabelPng(read(name), name);
      expect([label.height, label.width]).toEqual([23, 37]);
      expect(Array.from(label.data)).toEqual(expected(mod, ignore));
    }
  });

  it('names the file for non-PNG, truncated and corrupt data', () => {
    const png = read('labels-palette8.png');
    expect(() => decodeLabelPng(Buffer.from('GIF89a...'), 'a.png')).toThrow(/a\.png: not a PNG file/);
    expect(() => decodeLabelPng(png.subarray(0, png.length - 30), 'b.png')).toThrow(/b\.png: truncated PNG/);
    const corrupt = Buffer.from(png);
    const idat = corrupt.indexOf('IDAT');
    corrupt.fill(0xff, idat + 6, idat + 40);
    expect(() => decodeLabelPng(corrupt, 'c.png')).toThrow(/c\.png: (corrupt PNG data|bad PNG filter)/);
  });
});
