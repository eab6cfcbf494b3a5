import { initBackend } from '@patchwork/tensor-core';
import type { BackendInfo } from '@patchwork/tensor-core';

/**
 * The backend of a pipeline step: what `initBackend()` picks, except that wasm runs one thread
 * unless `PATCHWORK_THREADS` says otherwise. `pnpm start` runs two tasks at a time on a 2-core
 * machine (turbo `--concurrency=2`); one thread each keeps both cores busy, where two threads each
 * would make four spinning threads fight over two cores.
 */
export function initPipelineBackend(): Promise<BackendInfo> {
  return initBackend(process.env['PATCHWORK_THREADS'] === undefined ? { threads: 1 } : {});
}
