import { packageConfig } from '@patchwork/vitest-config';

// Packing every package takes a while; nothing here needs a tfjs backend in-process.
export default packageConfig({ setupFiles: [], testTimeout: 300_000 });
