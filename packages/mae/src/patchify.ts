import { ShapeError, tf } from '@patchwork/tensor-core';

/**
 * MAE's `patchify` on NHWC images: `[B, H, W, C]` → `[B, (H/p)·(W/p), p·p·C]`, patches row-major,
 * each patch vector in (p, q, c) order — the official `einsum('nchpwq->nhwpqc')` on NCHW.
 * Built from rank-4 reshapes and one rank-4 transpose (a rank-6 permute is very slow on wasm).
 */
export function patchify(imgs: tf.Tensor, patchSize: number): tf.Tensor3D {
  if (imgs.rank !== 4) throw new ShapeError(`patchify: expected NHWC images [B, H, W, C], got [${imgs.shape.join(', ')}]`);
  const [b, height, width, c] = imgs.shape as [number, number, number, number];
  const p = patchSize;
  if (height % p !== 0 || width % p !== 0) {
    throw new ShapeError(`patchify: image size ${height}×${width} is not a multiple of the patch size ${p} (input [${imgs.shape.join(', ')}])`);
  }
  const [h, w] = [height / p, width / p];
  return tf.tidy(() => {
    const rows = tf.reshape(imgs, [b * h, p, w, p * c]); // [B·h, p, w, q·c]
    const patches = tf.transpose(rows, [0, 2, 1, 3]); // [B·h, w, p, q·c]
    return tf.reshape(patches, [b, h * w, p * p * c]); // [B, L, p·q·c]
  });
}

/**
 * MAE's `unpatchify`: `[B, L, p·p·C]` → NHWC images `[B, h·p, w·p, C]`, the inverse of
 * {@link patchify}. The grid defaults to square (`h = w = √L`), as the official code assumes.
 */
export function unpatchify(x: tf.Tensor, patchSize: number, gridSize?: readonly [number, number]): tf.Tensor4D {
  const p = patchSize;
  if (x.rank !== 3 || x.shape[2]! % (p * p) !== 0) {
    throw new ShapeError(`unpatchify: expected patches [B, L, ${p}·${p}·C], got [${x.shape.join(', ')}]`);
  }
  const [b, l, dim] = x.shape as [number, number, number];
  const side = Math.round(Math.sqrt(l));
  const [h, w] = gridSize ?? [side, side];
  if (h * w !== l) throw new ShapeError(`unpatchify: ${l} patches do not form a ${h}×${w} grid (input [${x.shape.join(', ')}])`);
  const c = dim / (p * p);
  return tf.tidy(() => {
    const patches = tf.reshape(x, [b * h, w, p, p * c]); // [B·h, w, p, q·c]
    const rows = tf.transpose(patches, [0, 2, 1, 3]); // [B·h, p, w, q·c]
    return tf.reshape(rows, [b, h * p, w * p, c]); // [B, H, W, C]
  });
}
