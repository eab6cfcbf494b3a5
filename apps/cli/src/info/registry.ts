import type { InfoProvider } from './provider.js';

/** Every model family `patchwork info` knows. Model packages add theirs here as they land. */
export const INFO_PROVIDERS: InfoProvider[] = [];
