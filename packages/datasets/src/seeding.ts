import { PatchworkError, Rng } from '@patchwork/tensor-core';
import type { RngState } from '@patchwork/tensor-core';

function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * An independent generator for item `index` of stream `seed`, so random-access datasets and
 * resumed loaders draw the same numbers for the same item whatever order items are visited in.
 * Distinct (seed, index) pairs give distinct, well-mixed states.
 */
export function deriveRng(seed: number, index: number): Rng {
  if (!Number.isInteger(index) || index < 0) throw new PatchworkError('E_ARGUMENT', `deriveRng: index must be a non-negative integer, got ${index}`);
  const base = new Rng(seed).getState();
  const lo = index >>> 0;
  const hi = Math.floor(index / 2 ** 32) >>> 0;
  const state = base.map((w, k) => mix32(w ^ mix32(lo + Math.imul(k + 1, 0x9e3779b9)) ^ Math.imul(hi, 0x7feb352d))) as RngState;
  if (state.every((v) => v === 0)) state[0] = 1;
  return new Rng(state);
}
