import { PatchworkError, ShapeError } from '@patchwork/tensor-core';
import type { tf } from '@patchwork/tensor-core';
import type { Module } from '../module.js';

/** A module with a single-tensor forward (activations, norms, dropout, …), used where a block takes a layer factory. */
export type Layer = Module & { forward(x: tf.Tensor): tf.Tensor };

/** An int or an `[h, w]` pair, as PyTorch's `_pair` arguments. */
export type Pair = number | readonly [number, number];

/** Expand a {@link Pair} and check that both entries are integers ≥ `min`. */
export function pair(value: Pair, name: string, min = 1): [number, number] {
  const p: [number, number] = typeof value === 'number' ? [value, value] : [value[0], value[1]];
  if (!p.every((v) => Number.isInteger(v) && v >= min)) {
    throw new PatchworkError('E_ARGUMENT', `${name} must be an integer ≥ ${min} or a pair of them, got ${JSON.stringify(value)}`);
  }
  return p;
}

/** Throw an `E_ARGUMENT` error unless `ok`. */
export function checkArg(ok: boolean, message: string): void {
  if (!ok) throw new PatchworkError('E_ARGUMENT', message);
}

/**
 * Throw a {@link ShapeError} naming `module` unless `x` has one dimension per entry of `dims` and
 * every numeric entry matches; string entries are free dimensions that only name the axis in the
 * message. Checking up front turns deep tfjs assertion failures into an error the caller can act on.
 */
export function checkInput(module: string, x: tf.Tensor, dims: readonly (number | string)[], layout?: string): void {
  const ok = x.rank === dims.length && dims.every((d, i) => typeof d === 'string' || x.shape[i] === d);
  if (!ok) {
    const where = layout === undefined ? '' : ` (${layout})`;
    throw new ShapeError(`${module}: expected input [${dims.join(', ')}]${where}, got [${x.shape.join(', ')}]`);
  }
}

/** Like {@link checkInput} for "any rank ≥ `minRank`, last axis of size `last`" inputs. */
export function checkLastDim(module: string, x: tf.Tensor, last: number, minRank = 1): void {
  if (x.rank < minRank || x.shape[x.rank - 1] !== last) {
    const rank = minRank > 1 ? ` of rank ≥ ${minRank}` : '';
    throw new ShapeError(`${module}: expected input [..., ${last}]${rank}, got [${x.shape.join(', ')}]`);
  }
}
