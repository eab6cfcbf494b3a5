import os from 'node:os';
import { prepareNodeWasm } from '../backend/wasm-threads.js';
import type { Platform } from './types.js';

async function tryImport(name: string): Promise<boolean> {
  try {
    await import(name);
    return true;
  } catch {
    return false;
  }
}

export const platform: Platform = {
  isNode: true,
  env: (name) => process.env[name],
  defaultThreads: () => Math.max(1, os.availableParallelism?.() ?? os.cpus().length),
  loadNativeBackend: async () => {
    if (await tryImport('@tensorflow/tfjs-node-gpu')) return '@tensorflow/tfjs-node-gpu';
    if (await tryImport('@tensorflow/tfjs-node')) return '@tensorflow/tfjs-node';
    return null;
  },
  prepareWasm: (threads) => prepareNodeWasm(threads),
};
