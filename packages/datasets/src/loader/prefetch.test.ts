import { describe, expect, it } from 'vitest';
import { prefetch } from './prefetch.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('prefetch', () => {
  it('yields in order and never holds more than `depth` items besides the consumer’s', async () => {
    let inFlight = 0;
    let produced = 0;
    let consumed = 0;
    let maxAhead = 0;
    const out: number[] = [];
    const produce = async (i: number): Promise<number> => {
      inFlight++;
      produced++;
      maxAhead = Math.max(maxAhead, produced - consumed);
      await sleep(((i * 7) % 5) + 1);
      inFlight--;
      return i;
    };
    for await (const v of prefetch(12, produce, { depth: 3 })) {
      consumed++;
      out.push(v);
      await sleep(2);
    }
    expect(out).toEqual(Array.from({ length: 12 }, (_, i) => i));
    // The item being handed out plus `depth` behind it.
    expect(maxAhead).toBe(4);
    expect(inFlight).toBe(0);
  });

  it('overlaps production with consumption', async () => {
    const work = async (i: number): Promise<number> => {
      await sleep(30);
      return i;
    };
    const t0 = performance.now();
    for await (const _ of prefetch(8, work, { depth: 2 })) await sleep(30);
    const overlapped = performance.now() - t0;
    // Serial would be 8 × (30 + 30) = 480 ms; overlapped is about 8 × 30 + 30 = 270 ms.
    expect(overlapped).toBeLessThan(400);
  });

  it('disposes items produced but never consumed when the consumer stops early', async () => {
    const disposed: number[] = [];
    for await (const v of prefetch(10, async (i) => i, { depth: 4, dispose: (i) => disposed.push(i) })) {
      if (v === 1) break;
    }
    expect(disposed.sort()).toEqual([2, 3, 4, 5]);
  });

  it('propagates a failure at its position and cleans up the rest', async () => {
    const disposed: number[] = [];
    const seen: number[] = [];
    const run = async (): Promise<void> => {
      const produce = async (i: number): Promise<number> => {
        if (i === 2) throw new Error('boom at 2');
        return i;
      };
      for await (const v of prefetch(6, produce, { depth: 3, dispose: (i) => disposed.push(i) })) seen.push(v);
    };
    await expect(run()).rejects.toThrow('boom at 2');
    expect(seen).toEqual([0, 1]);
    expect(disposed.sort()).toEqual([3, 4, 5]);
    await expect(prefetch(1, async () => 0, { depth: 0 }).next()).rejects.toThrow(/depth must be a positive integer/);
  });
});
