// DepthwiseConv2dNativeBackpropInput for wasm (missing from stock wasm). Runs the XNNPACK forward
// depthwise conv on the spread-out dy (see spread.ts) with the spatially flipped filter, treating
// each (channel, multiplier) pair as its own channel, then sums the multiplier outputs of each
// input channel. Honours dilations.
import { tf } from '../../tf.js';
import { spreadForTransposedConv } from './spread.js';
import { disposeInfos, f32, runWasmKernel, wasmKernel } from './wasm-backend.js';
import type { TensorInfo, WasmKernelArgs } from './wasm-backend.js';

type Attrs = Pick<tf.DepthwiseConv2dNativeBackpropInputAttrs, 'strides' | 'dilations' | 'pad' | 'dimRoundingMode' | 'inputShape'>;

function depthwiseConv2dNativeBackpropInput({ inputs: { dy, filter }, backend, attrs }: WasmKernelArgs<'dy' | 'filter', Attrs>): TensorInfo {
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs;
  const [fh, fw, ci, cm] = filter.shape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(inputShape, [fh, fw, ci, cm], strides, dilations, pad, dimRoundingMode, true);
  const co = ci * cm;
  const spread = spreadForTransposedConv(backend, dy, info);
  // flipped[i, j, c·cm + m, 0] = filter[fh−1−i, fw−1−j, c, m]
  const flipped = backend.makeOutput([fh, fw, co, 1], 'float32');
  const w = f32(backend, filter);
  const wf = f32(backend, flipped);
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      const from = ((fh - 1 - i) * fw + (fw - 1 - j)) * co;
      wf.set(w.subarray(from, from + co), (i * fw + j) * co);
    }
  }
  const perChannel = runWasmKernel(backend, 'DepthwiseConv2dNative', { x: spread, filter: flipped }, {
    strides: 1,
    pad: 'valid',
    dilations: [info.dilationHeight, info.dilationWidth],
  }); // [B, H, W, ci·cm]
  disposeInfos(backend, spread, flipped);
  if (cm === 1) return perChannel;
  const dx = backend.makeOutput([...inputShape], 'float32');
  const sums = f32(backend, dx);
  const parts = f32(backend, perChannel);
  for (let p = 0; p < sums.length; p++) {
    let sum = 0;
    for (let m = 0; m < cm; m++) sum += parts[p * cm + m]!;
    sums[p] = sum;
  }
  disposeInfos(backend, perChannel);
  return dx;
}

/** Kernel config for `tf.registerKernel`. */
export const depthwiseConv2dNativeBackpropInputConfig = wasmKernel('DepthwiseConv2dNativeBackpropInput', depthwiseConv2dNativeBackpropInput);
