// package.json's "browser" field swaps this file for platform/browser.js in bundlers.
import { platform } from '../platform/node.js';
import { PatchworkError } from '../errors.js';
import { tf } from '../tf.js';
import { registerPatchworkKernels, registerTensorflowKernels } from './kernels/index.js';

/** Backends Patchwork knows how to pick, in order of preference. */
export type BackendName = 'tensorflow' | 'webgl' | 'wasm' | 'cpu';

/** What {@link initBackend} chose and how it runs. */
export interface BackendInfo {
  /** tfjs backend name. */
  name: BackendName;
  /** Worker threads used by the backend (1 = single-threaded; native backends report their pool size). */
  threads: number;
  /** Whether WebAssembly SIMD is in use (wasm only). */
  simd: boolean;
  /** Which optional accelerator package was loaded, if any. */
  accelerator: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node' | null;
}

/** Options for {@link initBackend}. */
export interface InitBackendOptions {
  /** Force a backend; otherwise `PATCHWORK_BACKEND`, otherwise the best available. */
  backend?: BackendName;
  /** wasm threads; default `PATCHWORK_THREADS` or all cores. */
  threads?: number;
}

const KNOWN: readonly BackendName[] = ['tensorflow', 'webgl', 'wasm', 'cpu'];
let current: Promise<BackendInfo> | null = null;

/**
 * Pick and initialise the tfjs backend once per process: `@tensorflow/tfjs-node-gpu` →
 * `@tensorflow/tfjs-node` when importable (Node), `webgl` (browser), else threaded-SIMD
 * `wasm` (the embedded default), else `cpu`. `PATCHWORK_BACKEND` overrides the choice.
 * Also registers the kernels and gradients stock tfjs lacks. Safe to call repeatedly.
 */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  if (current === null || options.backend !== undefined || options.threads !== undefined) {
    current = select(options).catch((err: unknown) => {
      current = null;
      throw err;
    });
  }
  return current;
}

/** The backend in use now (after {@link initBackend} resolved). */
export function backendInfo(): BackendInfo {
  if (lastInfo === null) throw new PatchworkError('E_BACKEND', 'no backend initialised yet: await initBackend() first');
  return lastInfo;
}

let lastInfo: BackendInfo | null = null;

async function select(options: InitBackendOptions): Promise<BackendInfo> {
  const requested = options.backend ?? readEnvBackend();
  const threads = options.threads ?? readEnvThreads() ?? platform.defaultThreads();
  const order: BackendName[] = requested !== undefined ? [requested] : platform.isNode ? ['tensorflow', 'wasm', 'cpu'] : ['webgl', 'wasm', 'cpu'];
  const errors: string[] = [];
  // Before setBackend: tfjs runs kernel setup functions only when a backend is set.
  registerPatchworkKernels();
  for (const name of order) {
    try {
      const info = await activate(name, threads);
      if (info !== null) {
        lastInfo = info;
        return info;
      }
      errors.push(`${name}: not available`);
    } catch (err) {
      errors.push(`${name}: ${(err as Error).message}`);
    }
  }
  throw new PatchworkError('E_BACKEND', `no usable tfjs backend (${errors.join('; ')})`);
}

async function activate(name: BackendName, threads: number): Promise<BackendInfo | null> {
  switch (name) {
    case 'tensorflow': {
      const accelerator = await platform.loadNativeBackend();
      if (accelerator === null) return null;
      registerTensorflowKernels();
      if (!(await tf.setBackend('tensorflow'))) return null;
      return { name, threads: platform.defaultThreads(), simd: false, accelerator };
    }
    case 'wasm': {
      const wasm = await platform.prepareWasm(threads);
      if (!(await tf.setBackend('wasm'))) return null;
      await tf.ready();
      return { name, threads: wasm.threadsInUse(), simd: wasm.simd, accelerator: null };
    }
    case 'webgl':
      if (!(await tf.setBackend('webgl'))) return null;
      return { name, threads: 1, simd: false, accelerator: null };
    case 'cpu':
      await tf.setBackend('cpu');
      return { name, threads: 1, simd: false, accelerator: null };
  }
}

function readEnvBackend(): BackendName | undefined {
  const v = platform.env('PATCHWORK_BACKEND');
  if (v === undefined || v === '') return undefined;
  if (!(KNOWN as readonly string[]).includes(v)) {
    throw new PatchworkError('E_BACKEND', `PATCHWORK_BACKEND=${v} is not one of ${KNOWN.join(', ')}`);
  }
  return v as BackendName;
}

function readEnvThreads(): number | undefined {
  const v = platform.env('PATCHWORK_THREADS');
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new PatchworkError('E_BACKEND', `PATCHWORK_THREADS=${v} is not a positive integer`);
  return n;
}
