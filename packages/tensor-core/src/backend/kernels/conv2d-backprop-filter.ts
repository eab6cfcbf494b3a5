// Conv2DBackpropFilter for wasm (stock wasm has none, so no convnet could train on it).
// dW[i, j, c, o] = Σ_{b, oh, ow} x[b, oh·sh + i − top, ow·sw + j − left, c] · dy[b, oh, ow, o] is
// itself a forward convolution, run on XNNPACK: input x as [ci, H, W, B] (input channels become
// the batch), filter dy as [OH, OW, B, co], dilated by the strides, giving [ci, fh, fw, co].
// Measured 1.1–2× faster than im2col + matmul, and it needs no column matrix.
import { tf } from '../../tf.js';
import { assertChannelsLast, disposeInfos, runWasmKernel, transposeInfo, wasmKernel } from './wasm-backend.js';
import type { TensorInfo, WasmKernelArgs } from './wasm-backend.js';

type Attrs = Pick<tf.Conv2DBackpropFilterAttrs, 'strides' | 'pad' | 'dataFormat' | 'dimRoundingMode' | 'filterShape'>;

function conv2DBackpropFilter({ inputs: { x, dy }, backend, attrs }: WasmKernelArgs<'x' | 'dy', Attrs>): TensorInfo {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  assertChannelsLast('Conv2DBackpropFilter', dataFormat);
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
  const { inHeight, inWidth, inChannels: ci, outHeight, outWidth, outChannels: co, filterHeight: fh, filterWidth: fw } = info;
  const { strideHeight, strideWidth, padInfo } = info;
  const xT = transposeInfo(backend, x, [3, 1, 2, 0]); // [ci, H, W, B]
  const dyT = transposeInfo(backend, dy, [1, 2, 0, 3]); // [OH, OW, B, co]
  // Pad the bottom/right just enough for fh × fw outputs; rows the forward conv never read may
  // leave a few extra output rows, cropped below.
  const bottom = Math.max(0, (outHeight - 1) * strideHeight + fh - inHeight - padInfo.top);
  const right = Math.max(0, (outWidth - 1) * strideWidth + fw - inWidth - padInfo.left);
  const out = runWasmKernel(backend, 'Conv2D', { x: xT, filter: dyT }, {
    strides: 1,
    dilations: [strideHeight, strideWidth],
    pad: [[0, 0], [padInfo.top, bottom], [padInfo.left, right], [0, 0]],
    dataFormat: 'NHWC',
  }); // [ci, ≥fh, ≥fw, co]
  disposeInfos(backend, xT, dyT);
  const cropped = out.shape[1] === fh && out.shape[2] === fw ? out : runWasmKernel(backend, 'Slice', { x: out }, { begin: [0, 0, 0, 0], size: [ci, fh, fw, co] });
  const dW = transposeInfo(backend, cropped, [1, 2, 0, 3]); // [fh, fw, ci, co]
  disposeInfos(backend, out);
  if (cropped !== out) disposeInfos(backend, cropped);
  return dW;
}

/** Kernel config for `tf.registerKernel`. */
export const conv2DBackpropFilterConfig = wasmKernel('Conv2DBackpropFilter', conv2DBackpropFilter);
