import { packageConfig } from '@patchwork/vitest-config';

// Small models run thousands of tiny kernels per step; one wasm thread is faster for them than
// two on this class of machine (see the README). An explicit PATCHWORK_THREADS still wins.
export default packageConfig({ env: { PATCHWORK_THREADS: process.env['PATCHWORK_THREADS'] ?? '1' } });
