import { beforeAll, describe, it } from 'vitest';
import { tf } from '../../tf.js';
import { initBackend } from '../select.js';
import { expectClose, gradsOfProbe, numericGrad, onCpu, rand } from './__fixtures__/grad-check.js';

// [a shape, b shape] with transposes off; each case runs with all four transpose combinations.
const SHAPES: Array<[number[], number[], string]> = [
  [[7, 5], [5, 3], 'rank 2'],
  [[33, 17], [17, 29], 'rank 2, above the per-slice threshold'],
  [[4, 7, 5], [5, 3], 'batch × weights (rank-2 b)'],
  [[4, 7, 5], [1, 5, 3], 'batch × weights (batch-1 b)'],
  [[7, 5], [4, 5, 3], 'weights × batch'],
  [[1, 7, 5], [4, 5, 3], 'batch-1 a × batch'],
  [[6, 19, 23], [6, 23, 21], 'batch × batch (per slice)'],
  [[6, 16, 16], [6, 16, 16], 'batch × batch (below the per-slice threshold: stock loop)'],
  [[2, 3, 19, 23], [2, 3, 23, 21], 'rank-4 batch × batch (per slice)'],
];

function transposed(shape: number[], t: boolean): number[] {
  if (!t) return shape;
  const s = [...shape];
  [s[s.length - 2], s[s.length - 1]] = [s[s.length - 1]!, s[s.length - 2]!];
  return s;
}

const CASES = SHAPES.flatMap(([a, b, what]) =>
  [false, true].flatMap((tA) => [false, true].map((tB) => ({ a: transposed(a, tA), b: transposed(b, tB), tA, tB, what }))),
);

describe('wasm BatchMatMul', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it.each(CASES)('$what, transposeA=$tA transposeB=$tB: value and gradients match cpu', async ({ a, b, tA, tB }) => {
    const x = rand(a, 1);
    const y = rand(b, 2);
    const product = (p: tf.Tensor, q: tf.Tensor): tf.Tensor => tf.matMul(p, q, tA, tB);
    const value = product(x, y);
    const [dx, dy] = gradsOfProbe(product)(x, y) as tf.Tensor[];
    const [expectedValue] = await onCpu(product, [x, y]);
    const [expectedDx, expectedDy] = await onCpu(gradsOfProbe(product), [x, y]);
    expectClose(value, expectedValue!, 1e-5, 'value');
    expectClose(dx!, expectedDx!, 1e-5, 'dA');
    expectClose(dy!, expectedDy!, 1e-5, 'dB');
    tf.dispose([x, y, value, dx!, dy!]);
  });

  it('matches finite differences (batch × batch, both transposed)', () => {
    const x = rand([2, 23, 19], 3);
    const y = rand([2, 21, 23], 4);
    const r = rand([2, 19, 21], 5);
    const loss = (p: tf.Tensor): tf.Tensor => tf.sum(tf.mul(tf.matMul(p, y, true, true), r));
    const dx = tf.grad(loss)(x);
    expectClose(dx, numericGrad(loss, x), 2e-3);
    tf.dispose([x, y, r, dx]);
  });
});
