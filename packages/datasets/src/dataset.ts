import { PatchworkError } from '@patchwork/tensor-core';
import type { Dataset } from './types.js';

/** A lazy view of `source` with `fn` applied to every example (async `get` stays async). */
export function mapDataset<T, U>(source: Dataset<T>, fn: (example: T, index: number) => U): Dataset<U> {
  return {
    get length() {
      return source.length;
    },
    get(index: number): U | Promise<U> {
      const item = source.get(index);
      return item instanceof Promise ? item.then((v) => fn(v, index)) : fn(item, index);
    },
  };
}

/** Throw a PatchworkError `E_ARGUMENT` unless `index` is an integer in [0, length). */
export function checkIndex(index: number, length: number, name: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new PatchworkError('E_ARGUMENT', `${name}: index ${index} is out of range 0..${length - 1}`);
  }
}
