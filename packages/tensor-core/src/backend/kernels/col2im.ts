// col2im over NHWC heap buffers, for input gradients of strided convolutions computed as a matmul.
// Row n of the column matrix is output pixel (b, oh, ow); column (i·fw + j)·ci + c holds input
// channel c under filter tap (i, j), i.e. the filter's [fh, fw, ci, co] layout seen as [K, co].
import type { tf } from '../../tf.js';
import { f32 } from './wasm-backend.js';
import type { BackendWasm, TensorInfo } from './wasm-backend.js';

/** Column matrices are built in chunks of at most this many floats (16 MiB) to bound memory. */
const CHUNK_FLOATS = 1 << 22;

/** Row ranges [start, end) that split `rows` rows of width `width` into bounded chunks. */
export function rowChunks(rows: number, width: number): Array<[number, number]> {
  const step = Math.max(1, Math.floor(CHUNK_FLOATS / width));
  const chunks: Array<[number, number]> = [];
  for (let start = 0; start < rows; start += step) chunks.push([start, Math.min(rows, start + step)]);
  return chunks;
}

/** A new tensor holding rows [start, end) of the row-major `[rows, width]` heap tensor `x`. */
export function rowsOf(backend: BackendWasm, x: TensorInfo, width: number, start: number, end: number): TensorInfo {
  const out = backend.makeOutput([end - start, width], 'float32');
  f32(backend, out).set(f32(backend, x).subarray(start * width, end * width));
  return out;
}

/** Scatter-add the column-matrix gradient rows [start, end) into the NHWC input gradient `dx`. */
export function col2im(dCols: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo, start: number, end: number): void {
  const { inHeight, inWidth, inChannels: ci, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo } = info;
  const k = filterHeight * filterWidth * ci;
  for (let n = start; n < end; n++) {
    const ow = n % outWidth;
    const oh = Math.floor(n / outWidth) % outHeight;
    const b = Math.floor(n / (outWidth * outHeight));
    for (let i = 0; i < filterHeight; i++) {
      const y = oh * strideHeight + i * dilationHeight - padInfo.top;
      if (y < 0 || y >= inHeight) continue;
      for (let j = 0; j < filterWidth; j++) {
        const x = ow * strideWidth + j * dilationWidth - padInfo.left;
        if (x < 0 || x >= inWidth) continue;
        const from = (n - start) * k + (i * filterWidth + j) * ci;
        const to = ((b * inHeight + y) * inWidth + x) * ci;
        for (let c = 0; c < ci; c++) dx[to + c] = dx[to + c]! + dCols[from + c]!;
      }
    }
  }
}
