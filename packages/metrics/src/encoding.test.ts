import { describe, expect, it } from 'vitest';
import { base64ToFloat64, float64ToBase64 } from './encoding.js';

describe('float64 base64 encoding', () => {
  it('writes little-endian float64 bytes as standard base64 and reads them back exactly', () => {
    for (let n = 0; n <= 5; n++) {
      // n = 0..5 covers every padding case (8n mod 3 = 0, 2, 1).
      const values = Float64Array.from({ length: n }, (_, i) => (i - 2) * Math.PI * 1e10 ** (i - 2));
      const text = float64ToBase64(values);
      expect(text).toBe(Buffer.from(values.buffer).toString('base64')); // little-endian hosts
      expect(Array.from(base64ToFloat64(text, n, 'test'))).toEqual(Array.from(values));
    }
    expect(Array.from(base64ToFloat64(float64ToBase64([Number.MIN_VALUE, -0, Number.MAX_VALUE]), 3, 't'))).toEqual([Number.MIN_VALUE, -0, Number.MAX_VALUE]);
  });

  it('rejects corrupt text naming what it was reading', () => {
    expect(() => base64ToFloat64('AAAA', 1, 'stats mean')).toThrow(/stats mean: expected 1 float64 values \(8 bytes\), got 3 bytes/);
    expect(() => base64ToFloat64('AAA', 1, 'x')).toThrow(/x: base64 length 3 is not a multiple of 4/);
    expect(() => base64ToFloat64('AA=A', 1, 'x')).toThrow(/invalid base64 character at offset 2/);
  });
});
