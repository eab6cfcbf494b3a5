import { packageConfig } from '@patchwork/vitest-config';

export default packageConfig();
