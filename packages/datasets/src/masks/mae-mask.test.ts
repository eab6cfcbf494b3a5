import { Rng } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { maeRandomMask, maeRandomMaskTensors } from './mae-mask.js';

describe('MAE random masking', () => {
  it('keeps exactly int(L·(1 − r)) tokens per sample: 49 of 196 at r = 0.75', () => {
    const m = maeRandomMask(4, 196, 0.75, new Rng(0));
    expect(m.lenKeep).toBe(49);
    for (let n = 0; n < 4; n++) {
      const row = m.mask.subarray(n * 196, (n + 1) * 196);
      expect(row.filter((v) => v === 0).length).toBe(49);
    }
    expect(maeRandomMask(1, 10, 0.65, new Rng(0)).lenKeep).toBe(3); // int(3.5)
  });

  it('has consistent shuffle, restore, keep and mask arrays (1 = masked)', () => {
    const L = 16;
    const m = maeRandomMask(3, L, 0.5, new Rng(1));
    for (let n = 0; n < 3; n++) {
      const shuffle = m.idsShuffle.subarray(n * L, (n + 1) * L);
      const restore = m.idsRestore.subarray(n * L, (n + 1) * L);
      const keep = m.idsKeep.subarray(n * m.lenKeep, (n + 1) * m.lenKeep);
      expect([...shuffle].sort((a, b) => a - b)).toEqual(Array.from({ length: L }, (_, i) => i));
      for (let i = 0; i < L; i++) expect(shuffle[restore[i]!]).toBe(i);
      expect([...keep]).toEqual([...shuffle.subarray(0, m.lenKeep)]);
      for (const t of keep) expect(m.mask[n * L + t]).toBe(0);
      // mask = gather(ones with first lenKeep zeroed, ids_restore), as in MAE.
      for (let i = 0; i < L; i++) expect(m.mask[n * L + i]).toBe(restore[i]! < m.lenKeep ? 0 : 1);
    }
    expect(m.idsShuffle).not.toEqual(maeRandomMask(3, L, 0.5, new Rng(2)).idsShuffle);
  });

  it('masks every position about equally often', () => {
    const rng = new Rng(3);
    const counts = new Array(8).fill(0);
    for (let k = 0; k < 2000; k++) maeRandomMask(1, 8, 0.75, rng).mask.forEach((v, i) => (counts[i] += v));
    for (const c of counts) expect(c / 2000).toBeCloseTo(0.75, 1);
  });

  it('gives tensors without leaking and rejects bad ratios', async () => {
    const t = await expectNoLeaks(() => maeRandomMaskTensors(2, 196, 0.75, new Rng(0)), 3);
    expect(t.mask.shape).toEqual([2, 196]);
    expect(t.idsKeep.shape).toEqual([2, 49]);
    expect(t.idsRestore.dtype).toBe('int32');
    expect(t.mask.sum().dataSync()[0]).toBe(2 * 147);
    [t.mask, t.idsKeep, t.idsRestore].forEach((x) => x.dispose());
    expect(() => maeRandomMask(1, 4, 1, new Rng(0))).toThrow(/maskRatio must be in \[0, 1\)/);
  });
});
