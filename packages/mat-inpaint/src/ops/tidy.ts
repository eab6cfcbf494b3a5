import { tf } from '@patchwork/tensor-core';

/**
 * `tf.tidy` for functions that return plain objects holding tensors, `null`s and numbers (tfjs
 * walks such results at run time and keeps every tensor in them, but its `TensorContainer` type
 * rejects `null` members and interfaces without index signatures).
 */
export function tidy<T>(fn: () => T): T {
  return tf.tidy(() => fn() as unknown as tf.TensorContainer) as unknown as T;
}
