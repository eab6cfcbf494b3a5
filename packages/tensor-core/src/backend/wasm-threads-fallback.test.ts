import { describe, expect, it, vi } from 'vitest';
import { tf } from '../tf.js';
import { prepareNodeWasm, wasmBinaryInUse } from './wasm-threads.js';

describe('threaded wasm fallback', () => {
  it('falls back to the stock single-threaded SIMD binary when the threaded one cannot load', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    // A thread count never used before forces a fresh backend; the folder has no glue in it.
    const runtime = await prepareNodeWasm(3, '/nonexistent/wasm-out');
    expect(await tf.setBackend('wasm')).toBe(true);
    expect(runtime.threadsInUse()).toBe(1);
    expect(runtime.simd).toBe(true);
    expect(wasmBinaryInUse()).toBe('tfjs-backend-wasm-simd.wasm');
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('threaded wasm unavailable'));
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    expect(Array.from(tf.matMul(x, x).dataSync())).toEqual([7, 10, 15, 22]);
    warn.mockRestore();
  });
});
