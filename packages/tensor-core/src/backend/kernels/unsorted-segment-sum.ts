// UnsortedSegmentSum for wasm (missing from stock wasm; tf.gather's gradient needs it).
// out[s, …] = Σ x[i, …] over the positions i whose segment id is s; ids outside
// [0, numSegments) are dropped, as TensorFlow does.
import { tf } from '../../tf.js';
import { wasmKernel } from './wasm-backend.js';
import type { TensorInfo, WasmKernelArgs } from './wasm-backend.js';

function unsortedSegmentSum({ inputs: { x, segmentIds }, backend, attrs: { numSegments } }: WasmKernelArgs<'x' | 'segmentIds', tf.UnsortedSegmentSumAttrs>): TensorInfo {
  const rest = x.shape.slice(segmentIds.shape.length);
  const inner = tf.util.sizeFromShape(rest);
  const out = backend.makeOutput([numSegments, ...rest], x.dtype);
  const sums = backend.typedArrayFromHeap(out);
  const values = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  sums.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    for (let q = 0; q < inner; q++) sums[s * inner + q] = sums[s * inner + q]! + values[i * inner + q]!;
  }
  return out;
}

/** Kernel config for `tf.registerKernel`. */
export const unsortedSegmentSumConfig = wasmKernel('UnsortedSegmentSum', unsortedSegmentSum);
