import { ShapeError, tf } from '@patchwork/tensor-core';
import { checkArg } from './common.js';

/**
 * Rotary-embedding tables for a sequence: `cos` and signed `sin` `[S, D]`, each value repeated
 * for the two channels of its rotation pair (see {@link applyRope}). Owned by the caller.
 */
export interface RopeTables {
  readonly cos: tf.Tensor2D;
  readonly sin: tf.Tensor2D;
}

/**
 * Multi-axis rotary position tables, as Flux's `EmbedND` builds them: token `s` has one position
 * per axis (`positions[s][a]`), axis `a` owns `axesDim[a]` channels (`axesDim[a] / 2` rotation
 * pairs, axes in order), and pair `j` of an axis of size `d` turns by
 * `position · theta^(−2j/d)`. Angles are computed in float64 on the host (as Flux does) and
 * rounded to float32 once. `sum(axesDim)` is the head dimension the tables apply to.
 */
export function ropeTables(positions: readonly (readonly number[])[], axesDim: readonly number[], theta = 10000): RopeTables {
  checkArg(axesDim.length > 0 && axesDim.every((d) => Number.isInteger(d) && d > 0 && d % 2 === 0), `ropeTables: every axis dim must be a positive even integer, got [${axesDim.join(', ')}]`);
  checkArg(theta > 0, `ropeTables: theta must be > 0, got ${theta}`);
  const dim = axesDim.reduce((a, b) => a + b, 0);
  const s = positions.length;
  const cos = new Float32Array(s * dim);
  const sin = new Float32Array(s * dim);
  positions.forEach((pos, row) => {
    if (pos.length !== axesDim.length) throw new ShapeError(`ropeTables: token ${row} has ${pos.length} positions, expected one per axis (${axesDim.length})`);
    let channel = row * dim;
    axesDim.forEach((d, axis) => {
      // Flux rounds the ids to float32 before rotating; integer ids are exact either way.
      const p = Math.fround(pos[axis]!);
      for (let j = 0; j < d / 2; j++) {
        const angle = p * (1 / theta ** ((2 * j) / d));
        const [c, sn] = [Math.cos(angle), Math.sin(angle)];
        cos[channel] = c;
        cos[channel + 1] = c;
        sin[channel] = -sn;
        sin[channel + 1] = sn;
        channel += 2;
      }
    });
  });
  return { cos: tf.tensor2d(cos, [s, dim]), sin: tf.tensor2d(sin, [s, dim]) };
}

/**
 * Rotate consecutive channel pairs `(x₂ⱼ, x₂ⱼ₊₁)` of `x` `[..., S, D]` by the table angles
 * (Flux's `apply_rope`): `(x₂ⱼ·cos − x₂ⱼ₊₁·sin, x₂ⱼ·sin + x₂ⱼ₊₁·cos)`. Computed as
 * `x·cos + swapPairs(x)·signedSin`, which needs only a rank-3 reverse and elementwise ops (no
 * rank-5 transposes, differentiable on every backend). Caller disposes the result.
 */
export function applyRope(x: tf.Tensor, tables: RopeTables): tf.Tensor {
  const [s, d] = tables.cos.shape;
  if (x.rank < 2 || x.shape[x.rank - 2] !== s || x.shape[x.rank - 1] !== d) {
    throw new ShapeError(`applyRope: expected input [..., ${s}, ${d}], got [${x.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    // [..., S, D] -> [rows, D/2, 2]: reverse each pair -> back to [..., S, D]
    const swapped = tf.reshape(tf.reverse(tf.reshape(x, [-1, d / 2, 2]), 2), x.shape);
    return tf.add(tf.mul(x, tables.cos), tf.mul(swapped, tables.sin));
  });
}
