import { defineConfig } from 'vitest/config';

// End-to-end only: builds the demo, serves it and drives Debian's Chromium (see e2e/demo.e2e.test.ts).
export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 600_000,
  },
});
