// MaxPoolGrad for wasm. The stock kernel loses the gradient or sends it to the window's first
// element when the window's max is negative. Like the cpu kernel, each dy goes to the first
// strict maximum of its window in row-major scan order (ties and all-NaN windows included).
import { tf } from '../../tf.js';
import { f32, wasmKernel, zeros } from './wasm-backend.js';
import type { TensorInfo, WasmKernelArgs } from './wasm-backend.js';

type Attrs = Pick<tf.MaxPoolGradAttrs, 'filterSize' | 'strides' | 'pad' | 'dimRoundingMode'>;

function maxPoolGrad({ inputs: { dy, input }, backend, attrs }: WasmKernelArgs<'dy' | 'input' | 'output', Attrs>): TensorInfo {
  const { filterSize, strides, pad, dimRoundingMode } = attrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels: ch, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const dx = zeros(backend, [...input.shape]);
  const dxs = f32(backend, dx);
  const xs = f32(backend, input);
  const dys = f32(backend, dy);
  const best = new Float64Array(ch);
  const where = new Int32Array(ch);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        best.fill(Number.NEGATIVE_INFINITY);
        where.fill(-1);
        for (let i = 0; i < filterHeight; i++) {
          const y = oh * strideHeight + i - padInfo.top;
          if (y < 0 || y >= inHeight) continue;
          for (let j = 0; j < filterWidth; j++) {
            const x = ow * strideWidth + j - padInfo.left;
            if (x < 0 || x >= inWidth) continue;
            const base = ((b * inHeight + y) * inWidth + x) * ch;
            for (let c = 0; c < ch; c++) {
              const v = xs[base + c]!;
              if (v > best[c]!) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * ch;
        for (let c = 0; c < ch; c++) {
          const at = where[c]!;
          if (at >= 0) dxs[at] = dxs[at]! + dys[dyBase + c]!;
        }
      }
    }
  }
  return dx;
}

/** Kernel config for `tf.registerKernel`. */
export const maxPoolGradConfig = wasmKernel('MaxPoolGrad', maxPoolGrad);
