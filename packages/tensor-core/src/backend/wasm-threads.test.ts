import { describe, expect, it } from 'vitest';
import { tf } from '../tf.js';
import { initBackend } from './select.js';
import { wasmBinaryInUse } from './wasm-threads.js';

function workerHandles(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Worker').length;
}

describe('threaded wasm in Node', () => {
  it('loads the threaded-SIMD binary and runs 2 threads when asked', async () => {
    const info = await initBackend({ backend: 'wasm', threads: 2 });
    expect(info).toMatchObject({ name: 'wasm', threads: 2, simd: true });
    expect(wasmBinaryInUse()).toBe('tfjs-backend-wasm-threaded-simd.wasm');
    const a = tf.randomNormal([256, 256]);
    const c = tf.matMul(a, a);
    const expected = tf.tidy(() => tf.sum(tf.mul(tf.transpose(a), a), 0));
    expect(Array.from(tf.tidy(() => tf.slice(tf.reshape(c, [-1]), 0, 1)).dataSync())[0]).toBeCloseTo(expected.dataSync()[0]!, 3);
    tf.dispose([a, c, expected]);
  });

  it('leaves no worker holding the process open', async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
    expect(workerHandles()).toBe(0);
  });

  it('uses the single-threaded SIMD binary for threads=1, and can switch back', async () => {
    expect(await initBackend({ backend: 'wasm', threads: 1 })).toMatchObject({ name: 'wasm', threads: 1, simd: true });
    expect(wasmBinaryInUse()).toBe('tfjs-backend-wasm-simd.wasm');
    expect(await initBackend({ backend: 'wasm', threads: 2 })).toMatchObject({ threads: 2 });
    expect(wasmBinaryInUse()).toBe('tfjs-backend-wasm-threaded-simd.wasm');
    const x = tf.ones([3, 3]);
    expect(Array.from(tf.matMul(x, x).dataSync())).toEqual(Array(9).fill(3));
  });
});
