// Conversion between safetensors element bytes and tfjs tensors. Data is little-endian in the
// file; every tfjs host (x86, little-endian ARM, WebAssembly) is little-endian too, so float32 and
// int32 data is copied as-is into typed arrays.
import { FormatError, PatchworkError } from '../errors.js';
import { tf } from '../tf.js';
import { bf16BitsToNumber, f16BitsToNumber, numberToBf16Bits, numberToF16Bits } from './half.js';

/** The safetensors dtypes Patchwork reads and writes. */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'U8' | 'BOOL';

/** Bytes per element of each supported dtype. */
export const DTYPE_SIZE: Readonly<Record<SafetensorsDtype, number>> = { F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, U8: 1, BOOL: 1 };

/** Whether `s` names a supported dtype. */
export function isSafetensorsDtype(s: string): s is SafetensorsDtype {
  return Object.hasOwn(DTYPE_SIZE, s);
}

/**
 * Build a tensor from one tensor's raw bytes (exactly `numel · DTYPE_SIZE[dtype]` of them). Half
 * floats widen to float32; I64 narrows to int32 and throws if a value does not fit; U8 becomes
 * int32. `where` names the file and tensor in errors. Caller disposes.
 *
 * `own` must be a buffer of its own (byteOffset 0, nothing else using it): F32 and I32 data is
 * handed to tfjs without a copy, and backends may keep the array they are given.
 */
export function tensorFromBytes(own: Uint8Array, dtype: SafetensorsDtype, shape: number[], where: string): tf.Tensor {
  const n = own.length / DTYPE_SIZE[dtype];
  switch (dtype) {
    case 'F32':
      return tf.tensor(new Float32Array(own.buffer, 0, n), shape, 'float32');
    case 'I32':
      return tf.tensor(new Int32Array(own.buffer, 0, n), shape, 'int32');
    case 'F16':
    case 'BF16': {
      const bits = new Uint16Array(own.buffer, 0, n);
      const widen = dtype === 'F16' ? f16BitsToNumber : bf16BitsToNumber;
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = widen(bits[i]!);
      return tf.tensor(out, shape, 'float32');
    }
    case 'I64':
      return tf.tensor(narrowInt64(new Int32Array(own.buffer, 0, 2 * n), where), shape, 'int32');
    case 'U8':
      return tf.tensor(Int32Array.from(own), shape, 'int32');
    case 'BOOL':
      return tf.tensor(Uint8Array.from(own, (b) => (b !== 0 ? 1 : 0)), shape, 'bool');
  }
}

// Each int64 is a (low, high) pair of int32 words; it fits int32 exactly when the high word is the
// sign extension of the low word.
function narrowInt64(words: Int32Array, where: string): Int32Array {
  const out = new Int32Array(words.length / 2);
  for (let i = 0; i < out.length; i++) {
    const lo = words[2 * i]!;
    const hi = words[2 * i + 1]!;
    if (hi !== lo >> 31) {
      const value = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
      throw new FormatError(`${where}: I64 value ${value} at flat index ${i} is outside the int32 range tfjs supports`);
    }
    out[i] = lo;
  }
  return out;
}

/** The dtypes tensors are written as (U8 is read-only: tfjs has no uint8 tensors to write). */
export type WritableDtype = Exclude<SafetensorsDtype, 'U8'>;

/** The dtype a tensor is written as, given the dtype to use for float32 and for int32 tensors. */
export function fileDtypeOf(t: tf.Tensor, floatDtype: 'F32' | 'F16' | 'BF16', intDtype: 'I32' | 'I64', name: string): WritableDtype {
  switch (t.dtype) {
    case 'float32':
      return floatDtype;
    case 'int32':
      return intDtype;
    case 'bool':
      return 'BOOL';
    default:
      throw new PatchworkError('E_DTYPE', `tensor '${name}': cannot write dtype ${t.dtype} to safetensors (float32, int32 and bool are supported)`);
  }
}

/** The little-endian bytes of `t` stored as `dtype` (one chosen by {@link fileDtypeOf}). */
export function tensorToBytes(t: tf.Tensor, dtype: WritableDtype): Uint8Array {
  const values = t.dataSync();
  switch (dtype) {
    case 'F32':
    case 'I32':
      // Copy so the caller never holds a view into tfjs-owned memory.
      return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
    case 'F16':
    case 'BF16': {
      const narrow = dtype === 'F16' ? numberToF16Bits : numberToBf16Bits;
      return new Uint8Array(Uint16Array.from(values as Float32Array, narrow).buffer);
    }
    case 'I64': {
      const words = new Int32Array(values.length * 2);
      for (let i = 0; i < values.length; i++) {
        words[2 * i] = values[i]!;
        words[2 * i + 1] = values[i]! < 0 ? -1 : 0;
      }
      return new Uint8Array(words.buffer);
    }
    case 'BOOL':
      return Uint8Array.from(values as Uint8Array);
  }
}
