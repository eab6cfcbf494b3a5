import { tf } from '../tf.js';

type Numeric = tf.Tensor | ArrayLike<number> | number;

function toArray(x: Numeric): { data: Float64Array; shape: number[] | null } {
  if (typeof x === 'number') return { data: Float64Array.of(x), shape: [] };
  if (x instanceof tf.Tensor) return { data: Float64Array.from(x.dataSync()), shape: x.shape };
  return { data: Float64Array.from(x), shape: null };
}

/** Largest |a − b| over all elements (NaN if either holds a NaN where the other does not). Shapes must match. */
export function maxAbsDiff(actual: Numeric, expected: Numeric): number {
  const a = toArray(actual);
  const e = toArray(expected);
  if (a.shape !== null && e.shape !== null && a.shape.join(',') !== e.shape.join(',')) {
    throw new Error(`shape mismatch: actual [${a.shape.join(', ')}] vs expected [${e.shape.join(', ')}]`);
  }
  if (a.data.length !== e.data.length) throw new Error(`size mismatch: ${a.data.length} vs ${e.data.length}`);
  let worst = 0;
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i]!;
    const y = e.data[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) && Number.isNaN(y)) continue;
      return Number.NaN;
    }
    worst = Math.max(worst, Math.abs(x - y));
  }
  return worst;
}

/** Throw with the worst element's index and values unless |a − e| ≤ atol + rtol·|e| everywhere. */
export function assertAllClose(actual: Numeric, expected: Numeric, { atol = 1e-5, rtol = 0, label = 'value' } = {}): number {
  const a = toArray(actual);
  const e = toArray(expected);
  const err = maxAbsDiff(actual, expected);
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i]!;
    const y = e.data[i]!;
    const bad = Number.isNaN(x) !== Number.isNaN(y) || Math.abs(x - y) > atol + rtol * Math.abs(y);
    if (bad) {
      throw new Error(`${label}: not close at flat index ${i}: actual ${x}, expected ${y} (max |diff| ${err}, atol ${atol}, rtol ${rtol})`);
    }
  }
  return err;
}
