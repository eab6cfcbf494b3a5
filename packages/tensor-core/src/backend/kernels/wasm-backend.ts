// Backend-level plumbing shared by the wasm kernels: they run inside a kernel call, so they work on
// TensorInfos in the wasm heap and compose other wasm kernels directly instead of going through ops.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../../tf.js';

export type { BackendWasm };
export type TensorInfo = tf.TensorInfo;

/** Arguments tfjs passes to a kernel function on the wasm backend. */
export interface WasmKernelArgs<I extends string = string, A = Record<string, unknown>> {
  inputs: Record<I, TensorInfo>;
  backend: BackendWasm;
  attrs: A;
}

/** Wrap a typed kernel function in the untyped signature `tf.registerKernel` expects. */
export function wasmKernel<I extends string, A>(kernelName: string, fn: (args: WasmKernelArgs<I, A>) => TensorInfo): tf.KernelConfig {
  return { kernelName, backendName: 'wasm', kernelFunc: fn as unknown as tf.KernelFunc };
}

/** Run the wasm kernel registered under `name` (patched ones included) on heap tensors. */
export function runWasmKernel(backend: BackendWasm, name: string, inputs: Record<string, TensorInfo>, attrs: object = {}): TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (kernel === undefined) throw new Error(`wasm kernel ${name} is not registered`);
  return kernel.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as TensorInfo;
}

/** Materialise `x` transposed by `perm` (a new heap tensor the caller disposes). */
export function transposeInfo(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
  return runWasmKernel(backend, 'Transpose', { x }, { perm });
}

/** The same heap buffer seen with another shape. Not ref-counted: never dispose it, only pass it to kernels. */
export function view(x: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: x.dataId, dtype: x.dtype, shape };
}

/**
 * Float32 view of a tensor in the wasm heap. Take it right before use: allocating (makeOutput,
 * running a kernel) may grow the heap, and growing a non-shared wasm memory detaches older views.
 */
export function f32(backend: BackendWasm, x: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(x) as Float32Array;
}

/** A new float32 heap tensor filled with zeros (malloc'd memory is not cleared). */
export function zeros(backend: BackendWasm, shape: number[]): TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  f32(backend, out).fill(0);
  return out;
}

/** Free intermediate heap tensors. */
export function disposeInfos(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Rejects the NCHW layout the wasm forward convolutions do not support either. */
export function assertChannelsLast(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat === 'NCHW') throw new Error(`wasm ${kernel} supports dataFormat 'NHWC' only (as does wasm Conv2D)`);
}
