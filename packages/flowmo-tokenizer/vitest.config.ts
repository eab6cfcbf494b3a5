import { packageConfig } from '@patchwork/vitest-config';

// The test models are tiny: thousands of small kernels per step, where waking a second wasm
// thread costs more than it saves (a Stage 1A step of the test model: ~130 ms on one thread,
// ~330 ms on two on a loaded 2-core box). An explicit PATCHWORK_THREADS still wins.
export default packageConfig({ env: { PATCHWORK_THREADS: process.env['PATCHWORK_THREADS'] ?? '1' } });
