import type { ParityAdapter } from './adapter.js';

/** Every model family `patchwork parity` knows. Model packages add theirs here as they land. */
export const PARITY_ADAPTERS: ParityAdapter[] = [];
