import { ShapeError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { applyRope, ropeTables } from './rope.js';

/** Flux's `rope` + `apply_rope` written out per element (complex rotation of each channel pair). */
function reference(x: number[][], positions: number[][], axesDim: number[], theta: number): number[][] {
  return x.map((row, s) => {
    const out: number[] = [];
    let c = 0;
    axesDim.forEach((d, axis) => {
      for (let j = 0; j < d / 2; j++, c += 2) {
        const angle = positions[s]![axis]! / theta ** ((2 * j) / d);
        const [a, b] = [row[c]!, row[c + 1]!];
        out.push(a * Math.cos(angle) - b * Math.sin(angle), a * Math.sin(angle) + b * Math.cos(angle));
      }
    });
    return out;
  });
}

describe('rotary position embedding (Flux EmbedND)', () => {
  const axesDim = [2, 4, 4];
  const positions = [
    [0, 0, 0],
    [1, 1, 1],
    [0, 2, 3],
    [7, 0, 5],
  ];

  it('rotates channel pairs by per-axis angles, as Flux does', () => {
    const rows = positions.map((_, s) => Array.from({ length: 10 }, (_, i) => Math.sin(3 * s + i)));
    const tables = ropeTables(positions, axesDim, 10000);
    const x = tf.tensor3d([rows]);
    const y = applyRope(x, tables);
    const want = reference(rows, positions, axesDim, 10000).flat();
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    tf.dispose([x, y, tables.cos, tables.sin]);
  });

  it('makes q·k depend only on the position difference', () => {
    const q = tf.randomNormal([1, 10]);
    const k = tf.randomNormal([1, 10]);
    const dot = (pq: number[], pk: number[]): number =>
      tf.tidy(() => {
        const [tq, tk] = [ropeTables([pq], axesDim), ropeTables([pk], axesDim)];
        const v = tf.sum(tf.mul(applyRope(q, tq), applyRope(k, tk))).dataSync()[0]!;
        tf.dispose([tq.cos, tq.sin, tk.cos, tk.sin]);
        return v;
      });
    expect(dot([3, 1, 4], [1, 5, 9])).toBeCloseTo(dot([12, 0, 0], [10, 4, 5]), 4);
    tf.dispose([q, k]);
  });

  it('is differentiable, frees its intermediates and checks shapes', async () => {
    const tables = ropeTables(positions, axesDim);
    const x = tf.randomNormal([2, 3, 4, 10]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.square(applyRope(t, tables))))(x);
    // A rotation preserves the norm, so d‖R x‖²/dx = 2x.
    expect(tf.max(tf.abs(tf.sub(g, tf.mul(x, 2)))).dataSync()[0]).toBeLessThan(1e-4);
    await expectNoLeaks(() => applyRope(x, tables).dispose());
    const bad = tf.zeros([2, 5, 10]);
    expect(() => applyRope(bad, tables)).toThrow(ShapeError);
    expect(() => ropeTables([[1, 2]], axesDim)).toThrow(/one per axis/);
    expect(() => ropeTables([[1]], [3])).toThrow(/even/);
    tf.dispose([tables.cos, tables.sin, x, g, bad]);
  });
});
