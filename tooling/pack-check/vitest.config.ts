import { packageConfig } from '@patchwork/vitest-config';

// Packing and `npm install` take a while; nothing here needs a tfjs backend in-process.
export default packageConfig({ setupFiles: [], testTimeout: 600_000 });
