import { Rng } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { eigenSymmetric, frechetDistance } from './fd.js';

describe('frechetDistance', () => {
  it('is 0 for identical sets and (μ₁−μ₂)² + (σ₁−σ₂)² in one dimension', () => {
    const rng = new Rng(1);
    const a = rng.normalArray(400, 0, 1);
    expect(frechetDistance(a, a, 4)).toBeCloseTo(0, 8);
    const x = Float64Array.from([1, 2, 3, 4]);
    const y = Float64Array.from([3, 5, 7, 9]); // mean +3.5, std ×2
    const sx = Math.sqrt(5 / 3);
    expect(frechetDistance(x, y, 1)).toBeCloseTo(3.5 ** 2 + (sx - 2 * sx) ** 2, 10);
  });

  it('matches the closed form for commuting covariances, also with fewer samples than dimensions', () => {
    const rng = new Rng(2);
    const n = 3000;
    const d = 3;
    const a = Float64Array.from(rng.normalArray(n * d), (v) => v);
    const b = Float64Array.from(rng.normalArray(n * d), (v, i) => 2 * v + (i % d === 0 ? 1 : 0));
    // Σ₁ = I, Σ₂ = 4I, μ₂ − μ₁ = e₀: 1 + 3 + 12 − 2·3·2 = 4.
    expect(frechetDistance(a, b, d)).toBeCloseTo(4, 0);
    const few = rng.normalArray(5 * 8);
    expect(Number.isFinite(frechetDistance(few, rng.normalArray(5 * 8), 8))).toBe(true);
  });

  it('diagonalises symmetric matrices', () => {
    const m = Float64Array.from([4, 1, 2, 1, 3, 0, 2, 0, 5]);
    const { values, vectors } = eigenSymmetric(m, 3);
    for (let k = 0; k < 3; k++) {
      for (let i = 0; i < 3; i++) {
        let mv = 0;
        for (let j = 0; j < 3; j++) mv += m[i * 3 + j]! * vectors[j * 3 + k]!;
        expect(mv).toBeCloseTo(values[k]! * vectors[i * 3 + k]!, 10);
      }
    }
  });
});
