// Node-only: runs tfjs-backend-wasm on its threaded-SIMD binary. Stock tfjs never picks that binary
// in Node (flags_wasm returns false for IS_NODE, tfjs issue #3830), so we register our own 'wasm'
// factory that loads the Emscripten glue from the package's wasm-out/ folder, where Node's
// worker_threads can run it. Any failure falls back to the stock factory (single-threaded SIMD).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import type { WasmRuntime } from '../platform/types.js';

const THREADED = 'tfjs-backend-wasm-threaded-simd';
/** tfjs-backend-wasm's own registration priority. */
const WASM_PRIORITY = 2;
/** Worker start-up normally takes ~150 ms; past this something is wrong and we fall back. */
const LOAD_TIMEOUT_MS = 30_000;

type Factory = () => tf.KernelBackend | Promise<tf.KernelBackend>;

/** The parts of an Emscripten pthread worker (a Node `Worker`) that we touch. */
interface PthreadWorker {
  on(event: 'error', listener: (err: unknown) => void): unknown;
  onerror: ((err: unknown) => void) | null;
  unref(): void;
  terminate(): unknown;
}

interface PThreadPool {
  unusedWorkers: PthreadWorker[];
  runningWorkers: PthreadWorker[];
  terminateAllThreads(): void;
}

interface ThreadedModule {
  PThread: PThreadPool;
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: unknown[]) => unknown;
  tfjs?: Record<string, (...args: unknown[]) => unknown>;
}

interface FactoryConfig {
  locateFile(file: string): string;
  instantiateWasm(imports: WebAssembly.Imports & { env: WebAssembly.ModuleImports }, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void): object;
  onAbort(what: unknown): void;
  /** Set by the Emscripten factory itself (the config object becomes the Module). */
  PThread?: PThreadPool;
}

let stockFactory: Factory | null = null;
let installedThreads: number | null = null;
let binary: string | null = null;

/**
 * Register a 'wasm' backend factory that runs `threads` XNNPACK threads (threaded-SIMD binary when
 * `threads > 1`, the stock single-threaded SIMD binary otherwise or when the threaded one fails).
 * Call before `tf.setBackend('wasm')`. Changing the thread count later re-creates the wasm backend:
 * tensors that live on the old one become invalid.
 * Worker threads are unref'd, so they never keep the process alive.
 * @param wasmOutDir folder with the Emscripten glue and binaries (default: the installed package's `wasm-out/`).
 */
export async function prepareNodeWasm(threads: number, wasmOutDir = defaultWasmOutDir()): Promise<WasmRuntime> {
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const runtime: WasmRuntime = { simd, threadsInUse: () => wasm.getThreadsCount() };
  if (installedThreads === threads) return runtime;
  stockFactory ??= tf.findBackendFactory('wasm');
  const stock = stockFactory;
  tf.removeBackend('wasm');
  installedThreads = threads;
  wasm.setThreadsCount(threads);
  tf.registerBackend(
    'wasm',
    async () => {
      if (threads > 1 && simd) {
        try {
          const backend = await createThreadedBackend(threads, wasmOutDir);
          binary = `${THREADED}.wasm`;
          return backend;
        } catch (err) {
          console.warn(`@patchwork/tensor-core: threaded wasm unavailable, using 1 thread (${(err as Error).message})`);
        }
      }
      binary = simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
      return stock();
    },
    WASM_PRIORITY,
  );
  return runtime;
}

/** File name of the wasm binary the current 'wasm' backend was created from (null before it was). */
export function wasmBinaryInUse(): string | null {
  return binary;
}

function defaultWasmOutDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
}

async function createThreadedBackend(threads: number, dir: string): Promise<tf.KernelBackend> {
  const require = createRequire(import.meta.url);
  const factory = require(path.join(dir, `${THREADED}.js`)) as (config: FactoryConfig) => Promise<ThreadedModule>;
  const workerSource = (require(path.join(dir, `${THREADED}.worker.js`)) as { wasmWorkerContents: string }).wasmWorkerContents;
  const workerFile = writeWorkerScript(workerSource);
  const bytes = await fs.promises.readFile(path.join(dir, `${THREADED}.wasm`));

  let loading = true;
  let fail: (err: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => (fail = reject));
  // Emscripten's own worker error handler throws from an event listener, which would kill the process.
  const onWorkerError = (err: unknown): void => {
    if (loading) fail(err);
    else throw err;
  };
  const config: FactoryConfig = {
    locateFile: (file) => (file.endsWith('.worker.js') ? workerFile : path.join(dir, file)),
    instantiateWasm: (imports, receive) => {
      // tfjs sizes its pthreadpool as min(requested, logical cores / 2) in a static initialiser,
      // i.e. 1 on a 2-core machine whatever setThreadsCount says: report enough cores for `threads`.
      imports.env['emscripten_num_logical_cores'] = () => 2 * threads;
      WebAssembly.instantiate(bytes, imports).then(({ instance, module }) => {
        receive(instance, module);
        // receive() just gave each worker Emscripten's throwing onerror; route it to us instead.
        for (const worker of config.PThread?.unusedWorkers ?? []) worker.onerror = onWorkerError;
      }, fail);
      return {};
    },
    onAbort: (what) => fail(new Error(`wasm aborted: ${String(what)}`)),
  };

  const ready = withoutNewProcessListeners(() => factory(config));
  // The factory spawned its workers synchronously; a worker 'error' with no listener would crash us.
  for (const worker of config.PThread?.unusedWorkers ?? []) worker.on('error', onWorkerError);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`pthread workers did not start within ${LOAD_TIMEOUT_MS} ms`)), LOAD_TIMEOUT_MS);
  });
  try {
    const module = await Promise.race([ready, failed, timeout]);
    module.tfjs = {
      init: module.cwrap('init', null, []),
      initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: module.cwrap('get_threads_count', 'number', []),
      registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: module.cwrap('dispose_data', null, ['number']),
      dispose: module.cwrap('dispose', null, []),
    };
    // The constructor creates the XNNPACK pthreadpool (threads - 1 pthreads plus the caller).
    const backend = new wasm.BackendWasm(module as unknown as ConstructorParameters<typeof wasm.BackendWasm>[0]);
    loading = false;
    releaseWorkers(module.PThread);
    return backend;
  } catch (err) {
    config.PThread?.terminateAllThreads();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Emscripten ref()s a worker while its pthread runs, and XNNPACK's pool threads run forever, so
 * unref them: they then never keep the process alive. The 8 pre-spawned spare workers are never
 * used by tfjs (it creates its pool once), so terminate them to give their memory back.
 */
function releaseWorkers(pool: PThreadPool): void {
  for (const worker of pool.runningWorkers) worker.unref();
  for (const worker of pool.unusedWorkers) worker.terminate();
  pool.unusedWorkers = [];
}

/**
 * Emscripten's Node glue installs process-wide 'uncaughtException'/'unhandledRejection' handlers
 * that rethrow, which turns errors that test runners and apps report into crashes. The glue adds
 * them synchronously while the factory starts, so drop whatever appeared during that call.
 */
function withoutNewProcessListeners<T>(start: () => T): T {
  const emitter: NodeJS.EventEmitter = process;
  const events = ['uncaughtException', 'unhandledRejection'];
  const before = new Set(events.flatMap((event) => emitter.listeners(event)));
  try {
    return start();
  } finally {
    for (const event of events) {
      for (const listener of emitter.listeners(event)) {
        if (!before.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
}

/**
 * tfjs ships the pthread bootstrap as a string for a Blob URL; Node workers need a file. The string
 * holds raw newlines inside JS string literals, which tfjs escapes the same way before making its Blob.
 * The file name is content-addressed so concurrent processes agree; the rename makes the write atomic.
 */
function writeWorkerScript(source: string): string {
  const code = source.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const file = path.join(os.tmpdir(), `patchwork-tfjs-wasm-${hash}.worker.cjs`);
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== code) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, file);
  }
  return file;
}
