export { default } from '@patchwork/eslint-config';
