import { PatchworkError, ShapeError } from '@patchwork/tensor-core';
import type { tf } from '@patchwork/tensor-core';

/** Throw a {@link ShapeError} naming `where` unless `x` is `[..., last]`. */
export function checkLast(where: string, x: tf.Tensor, last: number): void {
  if (x.rank < 1 || x.shape[x.rank - 1] !== last) throw new ShapeError(`${where}: expected input [..., ${last}], got [${x.shape.join(', ')}]`);
}

/** Throw a {@link ShapeError} naming `where` unless `x` is NHWC with `channels` channels. */
export function checkNhwc(where: string, x: tf.Tensor, channels: number): asserts x is tf.Tensor4D {
  if (x.rank !== 4 || x.shape[3] !== channels) {
    throw new ShapeError(`${where}: expected an NHWC input [B, H, W, ${channels}], got [${x.shape.join(', ')}]`);
  }
}

/** Throw an `E_ARGUMENT` error unless `ok`. */
export function checkArg(ok: boolean, message: string): void {
  if (!ok) throw new PatchworkError('E_ARGUMENT', message);
}
