// In-memory safetensors reading and writing (browser-safe; the Node file API is in safetensors-file.ts).
import { PatchworkError } from '../errors.js';
import type { tf } from '../tf.js';
import { buildSafetensorsHeader, parseSafetensorsHeader, tensorLabel } from './safetensors-header.js';
import type { HeaderEntry, SafetensorsTensorInfo } from './safetensors-header.js';
import { fileDtypeOf, tensorFromBytes, tensorToBytes } from './safetensors-dtype.js';
import type { WritableDtype } from './safetensors-dtype.js';

/** Tensors and metadata decoded from a safetensors file. */
export interface DecodedSafetensors {
  tensors: Record<string, tf.Tensor>;
  metadata: Record<string, string>;
}

/** How {@link encodeSafetensors} stores tensors. */
export interface EncodeOptions {
  /** Dtype for float32 tensors: F32 (default, lossless), or F16 / BF16 (rounded to nearest even). */
  floatDtype?: 'F32' | 'F16' | 'BF16';
  /** Dtype for int32 tensors: I32 (default) or I64 (what PyTorch uses for indices and counters). */
  intDtype?: 'I32' | 'I64';
}

/**
 * Decode a whole safetensors file held in memory. F16/BF16 become float32, I64 and U8 become int32
 * (I64 values outside int32 are an error), BOOL becomes bool. Throws {@link FormatError} for a
 * corrupt or truncated file, naming `source` and the tensor. The caller disposes the tensors.
 */
export function decodeSafetensors(bytes: Uint8Array, options: { source?: string } = {}): DecodedSafetensors {
  const header = parseSafetensorsHeader(bytes, options);
  const data = bytes.subarray(header.dataStart);
  const tensors: [string, tf.Tensor][] = [];
  try {
    for (const [name, info] of Object.entries(header.tensors)) {
      tensors.push([name, tensorFromInfo(data, info, tensorLabel(options.source, name))]);
    }
  } catch (err) {
    for (const [, t] of tensors) t.dispose();
    throw err;
  }
  return { tensors: Object.fromEntries(tensors), metadata: header.metadata };
}

function tensorFromInfo(data: Uint8Array, info: SafetensorsTensorInfo, where: string): tf.Tensor {
  const [begin, end] = info.dataOffsets;
  // Uint8Array's slice() copies into a fresh, aligned buffer so the tensor neither aliases nor retains
  // the caller's bytes (called directly: a Node Buffer's own slice() returns a view of its pool).
  return tensorFromBytes(Uint8Array.prototype.slice.call(data, begin, end), info.dtype, info.shape, where);
}

/** A tensor planned for writing: its file dtype and byte range. */
export interface PlannedTensor extends HeaderEntry {
  dtype: WritableDtype;
  tensor: tf.Tensor;
  begin: number;
  end: number;
}

/**
 * Plan a safetensors file: header bytes plus the tensors in file order. The Node writer streams
 * the tensors one at a time from this plan instead of building the whole file in memory.
 */
export function planSafetensors(
  tensors: Record<string, tf.Tensor>,
  metadata: Record<string, string> = {},
  options: EncodeOptions = {},
): { header: Uint8Array; tensors: PlannedTensor[] } {
  const floatDtype = options.floatDtype ?? 'F32';
  const intDtype = options.intDtype ?? 'I32';
  const entries = Object.entries(tensors).map(([name, tensor]) => {
    // Caught here, before anything is written, rather than as tfjs's bare "Tensor is disposed".
    if (tensor.isDisposed) throw new PatchworkError('E_ARGUMENT', `tensor '${name}' is disposed and cannot be written`);
    return { name, tensor, dtype: fileDtypeOf(tensor, floatDtype, intDtype, name), shape: tensor.shape };
  });
  const { header, layout } = buildSafetensorsHeader(entries, metadata);
  return { header, tensors: layout };
}

/**
 * Encode tensors as a safetensors file: names sorted, header space-padded to 8 bytes, 0-d tensors
 * with shape `[]`. float32 → F32 unless `floatDtype` says F16/BF16; int32 → I32 unless `intDtype`
 * says I64; bool → BOOL. `metadata` must map strings to strings. The tensors are not disposed.
 */
export function encodeSafetensors(tensors: Record<string, tf.Tensor>, metadata: Record<string, string> = {}, options: EncodeOptions = {}): Uint8Array {
  const plan = planSafetensors(tensors, metadata, options);
  const dataLength = plan.tensors.reduce((n, t) => Math.max(n, t.end), 0);
  const out = new Uint8Array(plan.header.length + dataLength);
  out.set(plan.header, 0);
  for (const t of plan.tensors) out.set(tensorToBytes(t.tensor, t.dtype), plan.header.length + t.begin);
  return out;
}
