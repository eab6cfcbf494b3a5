import { initBackend } from '@patchwork/tensor-core';
import type { BackendInfo, BackendName } from '@patchwork/tensor-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// Vite serves the wasm binaries as hashed assets; tfjs asks for them by file name.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

const KNOWN: readonly BackendName[] = ['webgl', 'wasm', 'cpu'];

/**
 * Point tfjs-wasm at the served binaries, then let `initBackend()` pick webgl → wasm → cpu.
 * `?backend=wasm` (or webgl/cpu) in the page URL forces one.
 */
export async function startBackend(): Promise<BackendInfo> {
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  });
  const requested = new URLSearchParams(location.search).get('backend');
  const backend = requested !== null && (KNOWN as readonly string[]).includes(requested) ? (requested as BackendName) : undefined;
  // The threaded binary needs cross-origin isolation; without it tfjs uses the single-threaded SIMD one.
  return initBackend(backend === undefined ? { threads: 1 } : { backend, threads: 1 });
}
