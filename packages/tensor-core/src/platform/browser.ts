import * as wasm from '@tensorflow/tfjs-backend-wasm';
// The webgl and cpu backends register on import. @tensorflow/tfjs imports them only for their
// version strings, so bundlers drop them as unused; importing them here keeps them registered.
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-cpu';
import type { Platform } from './types.js';

// In the browser tfjs picks the threaded SIMD binary itself when the page is cross-origin isolated.
export const platform: Platform = {
  isNode: false,
  env: () => undefined,
  defaultThreads: () => globalThis.navigator?.hardwareConcurrency ?? 1,
  loadNativeBackend: async () => null,
  prepareWasm: async (threads) => {
    wasm.setThreadsCount(threads);
    return { simd: true, threadsInUse: () => wasm.getThreadsCount() };
  },
};
