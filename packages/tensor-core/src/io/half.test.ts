import { describe, expect, it } from 'vitest';
import { bf16BitsToNumber, f16BitsToNumber, numberToBf16Bits, numberToF16Bits } from './half.js';

// Reference bit patterns (IEEE 754 binary16 and bfloat16 tables; checked against numpy / torch).
const F16: [number, number][] = [
  [0, 0x0000],
  [-0, 0x8000],
  [1, 0x3c00],
  [-2, 0xc000],
  [0.5, 0x3800],
  [65504, 0x7bff], // largest finite
  [2 ** -14, 0x0400], // smallest normal
  [2 ** -24, 0x0001], // smallest subnormal
  [0.333251953125, 0x3555], // nearest to 1/3
  [Infinity, 0x7c00],
  [-Infinity, 0xfc00],
];

const BF16: [number, number][] = [
  [0, 0x0000],
  [1, 0x3f80],
  [-2, 0xc000],
  [3.140625, 0x4049],
  [Infinity, 0x7f80],
  [-Infinity, 0xff80],
  [2 ** -133, 0x0001], // smallest subnormal
];

describe('float16', () => {
  it('decodes and encodes exact values', () => {
    for (const [value, bits] of F16) {
      expect(f16BitsToNumber(bits)).toBe(value);
      expect(numberToF16Bits(value)).toBe(bits);
    }
  });

  it('rounds to nearest, ties to even', () => {
    expect(numberToF16Bits(1 / 3)).toBe(0x3555);
    expect(numberToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie, even stays
    expect(numberToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, odd rounds up
    expect(numberToF16Bits(2 ** -25)).toBe(0x0000); // tie below the smallest subnormal → 0
    expect(numberToF16Bits(1.5 * 2 ** -25)).toBe(0x0001);
    expect(numberToF16Bits(3 * 2 ** -25)).toBe(0x0002); // subnormal tie, odd rounds up
    expect(numberToF16Bits(2 ** -14 - 2 ** -25)).toBe(0x0400); // carries into the smallest normal
    expect(numberToF16Bits(65519)).toBe(0x7bff);
    expect(numberToF16Bits(65520)).toBe(0x7c00); // rounds to Inf
    expect(numberToF16Bits(1e-30)).toBe(0x0000);
    expect(numberToF16Bits(-1e9)).toBe(0xfc00);
  });

  it('keeps NaN a NaN', () => {
    expect(Number.isNaN(f16BitsToNumber(0x7e00))).toBe(true);
    const bits = numberToF16Bits(Number.NaN);
    expect(bits & 0x7c00).toBe(0x7c00);
    expect(bits & 0x3ff).not.toBe(0);
  });
});

describe('bfloat16', () => {
  it('decodes and encodes exact values', () => {
    for (const [value, bits] of BF16) {
      expect(bf16BitsToNumber(bits)).toBe(value);
      expect(numberToBf16Bits(value)).toBe(bits);
    }
  });

  it('rounds to nearest, ties to even', () => {
    expect(numberToBf16Bits(1 / 3)).toBe(0x3eab);
    expect(numberToBf16Bits(Math.PI)).toBe(0x4049);
    expect(numberToBf16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie, even stays
    expect(numberToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie, odd rounds up
    expect(numberToBf16Bits(3.4e38)).toBe(0x7f80); // past the largest finite bfloat16 → Inf
  });

  it('keeps NaN a quiet NaN', () => {
    expect(numberToBf16Bits(Number.NaN)).toBe(0x7fc0);
    expect(Number.isNaN(bf16BitsToNumber(0x7fc1))).toBe(true);
  });
});
