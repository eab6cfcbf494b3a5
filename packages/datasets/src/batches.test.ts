import { describe, expect, it } from 'vitest';
import { batchIndices } from './batches.js';

function take(gen: Generator<Int32Array>, k: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < k; i++) out.push(Array.from(gen.next().value as Int32Array));
  return out;
}

describe('batchIndices', () => {
  it('covers every example once per epoch, reshuffles per epoch', () => {
    const [a, b, c, d] = take(batchIndices(8, { batchSize: 4, seed: 1 }), 4) as [number[], number[], number[], number[]];
    expect([...a, ...b].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect([...c, ...d].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect([...a, ...b]).not.toEqual([...c, ...d]);
  });

  it('resumes exactly from a step and is seed-deterministic', () => {
    const all = take(batchIndices(10, { batchSize: 3, seed: 5 }), 7);
    expect(take(batchIndices(10, { batchSize: 3, seed: 5, startStep: 4 }), 3)).toEqual(all.slice(4));
    expect(take(batchIndices(10, { batchSize: 3, seed: 6 }), 3)).not.toEqual(all.slice(0, 3));
  });

  it('rejects impossible batches', () => {
    expect(() => batchIndices(2, { batchSize: 3 }).next()).toThrow(/cannot fill a batch of 3/);
    expect(() => batchIndices(2, { batchSize: 0 }).next()).toThrow(/positive integer/);
  });
});
