import { packageConfig } from '@patchwork/vitest-config';

export default packageConfig({ setupFiles: ['./src/testing/setup.ts'] });
