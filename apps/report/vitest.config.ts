import { packageConfig } from '@patchwork/vitest-config';

// Nothing here runs a tfjs backend.
export default packageConfig({ setupFiles: [] });
