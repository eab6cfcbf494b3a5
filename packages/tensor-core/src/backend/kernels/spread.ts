// The adjoint of a convolution is a stride-1 convolution of the output gradient with the flipped
// filter, once dy is spread out: each dy pixel moves to (oh·sh + (fh−1)·dh − top, ow·sw + (fw−1)·dw − left)
// in a zero tensor of [B, H + (fh−1)·dh, W + (fw−1)·dw, C]. A 'valid' stride-1 conv (dilation dh, dw)
// of that with the flipped filter yields exactly [B, H, W, ·], so the XNNPACK forward conv kernels
// can compute input gradients. Pixels that land outside are never read by that conv, so dropping
// them is exact (this also covers explicit paddings larger than the filter).
import type { tf } from '../../tf.js';
import { f32, zeros } from './wasm-backend.js';
import type { BackendWasm, TensorInfo } from './wasm-backend.js';

/** Zero-spread, padded copy of `dy` ([B, OH, OW, C]) for the transposed convolution described by `info`. */
export function spreadForTransposedConv(backend: BackendWasm, dy: TensorInfo, info: tf.backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo } = info;
  const channels = dy.shape[3]!;
  const height = inHeight + (filterHeight - 1) * dilationHeight;
  const width = inWidth + (filterWidth - 1) * dilationWidth;
  const top = (filterHeight - 1) * dilationHeight - padInfo.top;
  const left = (filterWidth - 1) * dilationWidth - padInfo.left;
  const out = zeros(backend, [batchSize, height, width, channels]);
  const dst = f32(backend, out);
  const src = f32(backend, dy);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const y = oh * strideHeight + top;
      if (y < 0 || y >= height) continue;
      for (let ow = 0; ow < outWidth; ow++) {
        const x = ow * strideWidth + left;
        if (x < 0 || x >= width) continue;
        const from = ((b * outHeight + oh) * outWidth + ow) * channels;
        dst.set(src.subarray(from, from + channels), ((b * height + y) * width + x) * channels);
      }
    }
  }
  return out;
}
