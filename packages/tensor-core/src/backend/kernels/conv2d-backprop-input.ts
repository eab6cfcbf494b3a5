// Conv2DBackpropInput for wasm. The stock kernel is correct but a scalar loop (~2 GFLOP/s, 7–20×
// slower than the forward conv). Stride 1: the XNNPACK forward conv of the spread-out dy (see
// spread.ts) with the flipped, in/out-swapped filter. Larger strides, where that conv would mostly
// multiply zeros: dx = col2im(dy·Wᵀ) with the product on XNNPACK, chunked over output pixels.
import { tf } from '../../tf.js';
import { col2im, rowChunks, rowsOf } from './col2im.js';
import { spreadForTransposedConv } from './spread.js';
import { assertChannelsLast, disposeInfos, f32, runWasmKernel, transposeInfo, view, wasmKernel, zeros } from './wasm-backend.js';
import type { BackendWasm, TensorInfo, WasmKernelArgs } from './wasm-backend.js';

type Attrs = Pick<tf.Conv2DBackpropInputAttrs, 'strides' | 'pad' | 'dataFormat' | 'dimRoundingMode' | 'inputShape'>;
type Conv2DInfo = tf.backend_util.Conv2DInfo;

function conv2DBackpropInput({ inputs: { dy, filter }, backend, attrs }: WasmKernelArgs<'dy' | 'filter', Attrs>): TensorInfo {
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  assertChannelsLast('Conv2DBackpropInput', dataFormat);
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode);
  return info.strideHeight === 1 && info.strideWidth === 1 ? viaForwardConv(backend, dy, filter, info) : viaCol2im(backend, dy, filter, info);
}

function viaForwardConv(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, info: Conv2DInfo): TensorInfo {
  const { filterHeight: fh, filterWidth: fw, inChannels: ci, outChannels: co } = info;
  const spread = spreadForTransposedConv(backend, dy, info);
  // flipped[i, j, o, c] = filter[fh−1−i, fw−1−j, c, o]
  const flipped = backend.makeOutput([fh, fw, co, ci], 'float32');
  const w = f32(backend, filter);
  const wf = f32(backend, flipped);
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      const from = ((fh - 1 - i) * fw + (fw - 1 - j)) * ci * co;
      const to = (i * fw + j) * co * ci;
      for (let c = 0; c < ci; c++) {
        for (let o = 0; o < co; o++) wf[to + o * ci + c] = w[from + c * co + o]!;
      }
    }
  }
  const dx = runWasmKernel(backend, 'Conv2D', { x: spread, filter: flipped }, { strides: 1, pad: 'valid', dilations: 1, dataFormat: 'NHWC' });
  disposeInfos(backend, spread, flipped);
  return dx;
}

function viaCol2im(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, info: Conv2DInfo): TensorInfo {
  const k = info.filterHeight * info.filterWidth * info.inChannels;
  const co = info.outChannels;
  const rows = info.batchSize * info.outHeight * info.outWidth;
  // Transposed once so every chunk's product reuses the same packed XNNPACK weights.
  const filterT = transposeInfo(backend, view(filter, [k, co]), [1, 0]); // [co, K]
  const dx = zeros(backend, [...info.inShape]);
  for (const [start, end] of rowChunks(rows, k)) {
    const dyRows = rowsOf(backend, view(dy, [rows, co]), co, start, end);
    const dCols = runWasmKernel(backend, 'BatchMatMul', { a: dyRows, b: filterT }, { transposeA: false, transposeB: false });
    col2im(f32(backend, dCols), f32(backend, dx), info, start, end);
    disposeInfos(backend, dyRows, dCols);
  }
  disposeInfos(backend, filterT);
  return dx;
}

/** Kernel config for `tf.registerKernel`. */
export const conv2DBackpropInputConfig = wasmKernel('Conv2DBackpropInput', conv2DBackpropInput);
