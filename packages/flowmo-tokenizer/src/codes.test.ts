import { FormatError, ShapeError, tf } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { FlowmoCodes } from './codes.js';

describe('FlowmoCodes', () => {
  it('bit-packs LFQ codes and reads them back exactly', () => {
    const latents = tf.tensor3d(Array.from({ length: 2 * 3 * 6 }, (_, i) => Math.sin(i * 1.7)), [2, 3, 6]);
    const codes = FlowmoCodes.fromLfq(latents);
    const bytes = codes.toBytes();
    expect(bytes.length).toBe(15 + Math.ceil((2 * 3 * 6) / 8));
    const back = FlowmoCodes.fromBytes(bytes);
    expect(back.symbols).toEqual(codes.symbols);
    expect(back.quantizer).toBe('lfq');
    const values = back.toTensor();
    expect(Array.from(values.dataSync())).toEqual(Array.from(latents.dataSync(), (v) => (v > 0 ? 1 : -1)));
    expect(codes.bits).toBe(36);
    expect(codes.item(1).symbols).toEqual(codes.symbols.slice(18));
    tf.dispose([latents, values]);
  });

  it('gives the official strided little-endian LFQ indices', () => {
    // One token of 6 bits, sub-codes of 3 bits: sub-code h reads channels h, h+2, h+4.
    const codes = new FlowmoCodes('lfq', 1, 1, [2, 2, 2, 2, 2, 2], Uint8Array.from([1, 0, 0, 1, 1, 1]));
    expect(Array.from(codes.lfqIndices(3))).toEqual([1 + 0 * 2 + 1 * 4, 0 + 1 * 2 + 1 * 4]);
    expect(Array.from(codes.lfqIndices())).toEqual([1 + 8 + 16 + 32]);
    expect(() => codes.lfqIndices(4)).toThrow(/must divide the 6 bits/);
    expect(() => codes.fsqIndices()).toThrow(/LFQ codes/);
  });

  it('packs FSQ level indices in ⌈log2 L⌉ bits and numbers tokens in mixed radix', () => {
    const levels = [8, 5, 3];
    const codes = new FlowmoCodes('fsq', 2, 1, levels, Uint8Array.from([7, 4, 2, 0, 1, 1]));
    expect(codes.fsqIndices()).toEqual([7 + 4 * 8 + 2 * 40, 0 + 1 * 8 + 1 * 40]);
    const bytes = codes.toBytes();
    expect(bytes.length).toBe(15 + 3 + Math.ceil((2 * (3 + 3 + 2)) / 8));
    const back = FlowmoCodes.fromBytes(bytes);
    expect([back.quantizer, back.levels, Array.from(back.symbols)]).toEqual(['fsq', levels, [7, 4, 2, 0, 1, 1]]);
    const values = back.toTensor();
    expect(Array.from(values.dataSync())).toEqual([3 / 4, 2 / 2, 1 / 1, -4 / 4, -1 / 2, 0]);
    values.dispose();
  });

  it('refuses malformed codes and bytes', () => {
    expect(() => new FlowmoCodes('lfq', 1, 2, [2, 2], new Uint8Array(3))).toThrow(ShapeError);
    expect(() => new FlowmoCodes('lfq', 1, 1, [2, 2], Uint8Array.from([0, 2]))).toThrow(/symbol 2 at 1 is outside 0…1/);
    expect(() => new FlowmoCodes('lfq', 1, 1, [3], Uint8Array.from([0]))).toThrow(/LFQ codes are binary/);
    expect(() => FlowmoCodes.fromBytes(Uint8Array.from([1, 2, 3]))).toThrow(FormatError);
    const good = new FlowmoCodes('lfq', 1, 4, [2, 2, 2], new Uint8Array(12)).toBytes();
    expect(() => FlowmoCodes.fromBytes(good.slice(0, good.length - 1))).toThrow(/not FlowMo codes: 16 bytes, expected 17/);
    const fsq = new FlowmoCodes('fsq', 1, 1, [5], Uint8Array.from([4])).toBytes();
    fsq[fsq.length - 1] = 0xff;
    expect(() => FlowmoCodes.fromBytes(fsq)).toThrow(/symbol 7 at 0 exceeds its 5 levels/);
  });
});
