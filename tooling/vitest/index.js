// Shared vitest settings. tfjs-wasm spins worker threads and models are slow on 2 cores,
// so files run one at a time in forked processes with generous timeouts, and each file
// starts on the backend Patchwork picks.
import { defineConfig } from 'vitest/config';

/** @param {import('vitest/config').UserConfig['test']} [overrides] */
export function packageConfig(overrides = {}) {
  return defineConfig({
    test: {
      include: ['src/**/*.test.ts'],
      pool: 'forks',
      fileParallelism: false,
      testTimeout: 120_000,
      hookTimeout: 120_000,
      teardownTimeout: 10_000,
      setupFiles: ['@patchwork/tensor-core/testing/setup'],
      ...overrides,
    },
  });
}
