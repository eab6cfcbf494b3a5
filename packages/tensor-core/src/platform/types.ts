/** A prepared wasm runtime: whether SIMD is on and how many threads it really runs. */
export interface WasmRuntime {
  simd: boolean;
  threadsInUse(): number;
}

/** What differs between Node and the browser (package.json "browser" swaps node.js for browser.js). */
export interface Platform {
  isNode: boolean;
  env(name: string): string | undefined;
  defaultThreads(): number;
  /** Import tfjs-node-gpu or tfjs-node if installed; returns which, or null. */
  loadNativeBackend(): Promise<'@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node' | null>;
  /** Configure the wasm backend (binary, threads) before `setBackend('wasm')`. */
  prepareWasm(threads: number): Promise<WasmRuntime>;
}
