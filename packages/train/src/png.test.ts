import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodePng } from './png.js';

describe('encodePng', () => {
  it('writes a valid PNG whose pixels decode back', () => {
    const data = Uint8Array.from({ length: 3 * 2 * 3 }, (_, i) => i * 10);
    const png = encodePng({ width: 3, height: 2, channels: 3, data });
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(3);
    expect(png.readUInt32BE(20)).toBe(2);
    const idatLen = png.readUInt32BE(33);
    expect(png.subarray(37, 41).toString('ascii')).toBe('IDAT');
    const raw = zlib.inflateSync(png.subarray(41, 41 + idatLen));
    expect(Array.from(raw.subarray(1, 10))).toEqual(Array.from(data.subarray(0, 9)));
    expect(Array.from(raw.subarray(11, 20))).toEqual(Array.from(data.subarray(9, 18)));
  });

  it('rejects a buffer of the wrong size', () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 1, data: new Uint8Array(3) })).toThrow(/3 bytes for a 2×2×1/);
  });
});
