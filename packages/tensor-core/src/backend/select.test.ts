import { afterEach, describe, expect, it } from 'vitest';
import { PatchworkError } from '../errors.js';
import { tf } from '../tf.js';
import { backendInfo, initBackend } from './select.js';

const saved = { backend: process.env['PATCHWORK_BACKEND'], threads: process.env['PATCHWORK_THREADS'] };

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

describe('initBackend', () => {
  afterEach(async () => {
    restoreEnv('PATCHWORK_BACKEND', saved.backend);
    restoreEnv('PATCHWORK_THREADS', saved.threads);
    await initBackend({ backend: 'wasm' });
  });

  it('picks threaded wasm by default in Node when tfjs-node is absent', async () => {
    delete process.env['PATCHWORK_BACKEND'];
    const info = await initBackend({ threads: 2 });
    expect(info).toEqual({ name: 'wasm', threads: 2, simd: true, accelerator: null });
    expect(backendInfo()).toEqual(info);
  });

  it('honours { backend: "cpu" }', async () => {
    const info = await initBackend({ backend: 'cpu' });
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('honours PATCHWORK_BACKEND', async () => {
    process.env['PATCHWORK_BACKEND'] = 'cpu';
    const info = await initBackend({ threads: 1 });
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('rejects an unknown PATCHWORK_BACKEND with a clear error', async () => {
    process.env['PATCHWORK_BACKEND'] = 'tpu';
    const failure = initBackend({ threads: 1 });
    await expect(failure).rejects.toBeInstanceOf(PatchworkError);
    await expect(failure).rejects.toMatchObject({ code: 'E_BACKEND', message: 'PATCHWORK_BACKEND=tpu is not one of tensorflow, webgl, wasm, cpu' });
  });

  it('rejects a PATCHWORK_THREADS that is not a positive integer', async () => {
    process.env['PATCHWORK_THREADS'] = 'two';
    await expect(initBackend({ backend: 'wasm' })).rejects.toMatchObject({ code: 'E_BACKEND', message: expect.stringContaining('PATCHWORK_THREADS=two') });
  });
});
