// The safetensors header: an 8-byte little-endian u64 length N, then N bytes of UTF-8 JSON
// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}`, with
// offsets relative to the first byte after the header.
import { FormatError, PatchworkError } from '../errors.js';
import { DTYPE_SIZE, isSafetensorsDtype } from './safetensors-dtype.js';
import type { SafetensorsDtype } from './safetensors-dtype.js';

/** One tensor's entry in a safetensors header. */
export interface SafetensorsTensorInfo {
  dtype: SafetensorsDtype;
  shape: number[];
  /** [begin, end) byte range relative to the start of the data section. */
  dataOffsets: [number, number];
}

/** A parsed and validated safetensors header. */
export interface SafetensorsHeader {
  /** Absolute byte offset of the data section (8 + header length). */
  dataStart: number;
  /** Entries by tensor name, names in sorted order. */
  tensors: Record<string, SafetensorsTensorInfo>;
  /** The `__metadata__` string map (empty when absent). */
  metadata: Record<string, string>;
}

/** Options for {@link parseSafetensorsHeader}. */
export interface ParseHeaderOptions {
  /** Label used in error messages, usually the file path. */
  source?: string;
  /** Total size of the file when `bytes` holds only its beginning; defaults to `bytes.length`. */
  byteLength?: number;
}

/** Headers larger than this are rejected as corrupt (the limit the reference implementation uses). */
export const MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';

/** The `source` label for errors about in-memory data. */
export function sourceLabel(source: string | undefined): string {
  return source ?? 'safetensors data';
}

/** Error-message location of one tensor: "file: tensor 'name'". */
export function tensorLabel(source: string | undefined, name: string): string {
  return `${sourceLabel(source)}: tensor '${name}'`;
}

/**
 * Read and check the header length N from the first 8 bytes of a file of `byteLength` bytes.
 * Throws a {@link FormatError} when the file is too short or N is absurd or runs past the end.
 */
export function safetensorsHeaderLength(prefix: Uint8Array, byteLength: number, source?: string): number {
  const label = sourceLabel(source);
  if (byteLength < 8 || prefix.length < 8) {
    throw new FormatError(`${label}: only ${byteLength} bytes, too short for a safetensors file (needs an 8-byte header length)`);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new FormatError(`${label}: header length ${n} is absurd (limit ${MAX_HEADER_BYTES}); not a safetensors file or corrupt`);
  }
  if (n > BigInt(byteLength - 8)) {
    throw new FormatError(`${label}: header length ${n} runs past the end of the ${byteLength}-byte file (truncated or not a safetensors file)`);
  }
  return Number(n);
}

/**
 * Parse and validate a safetensors header. `bytes` must start at the beginning of the file and hold
 * at least the whole header; pass `byteLength` when it holds only that much. Every entry is checked:
 * known dtype, integer shape, `data_offsets` spanning exactly shape × dtype size, and lying inside
 * the data section (so a truncated file is caught here). Entries may overlap or be out of order.
 * Throws {@link FormatError} naming the source and the tensor.
 */
export function parseSafetensorsHeader(bytes: Uint8Array, options: ParseHeaderOptions = {}): SafetensorsHeader {
  const label = sourceLabel(options.source);
  const byteLength = options.byteLength ?? bytes.length;
  const n = safetensorsHeaderLength(bytes, byteLength, options.source);
  if (bytes.length < 8 + n) throw new FormatError(`${label}: got ${bytes.length} bytes, fewer than the ${8 + n}-byte header`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (err) {
    throw new FormatError(`${label}: header is not valid UTF-8 JSON (${(err as Error).message})`, { cause: err });
  }
  if (!isPlainObject(json)) throw new FormatError(`${label}: header must be a JSON object, got ${describe(json)}`);
  const dataLength = byteLength - 8 - n;
  const entries: [string, SafetensorsTensorInfo][] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === METADATA_KEY) continue;
    entries.push([name, parseEntry(value, dataLength, tensorLabel(options.source, name))]);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { dataStart: 8 + n, tensors: Object.fromEntries(entries), metadata: parseMetadata(json[METADATA_KEY], label) };
}

function parseEntry(value: unknown, dataLength: number, where: string): SafetensorsTensorInfo {
  if (!isPlainObject(value)) throw new FormatError(`${where}: entry must be an object, got ${describe(value)}`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') throw new FormatError(`${where}: dtype must be a string, got ${describe(dtype)}`);
  if (!isSafetensorsDtype(dtype)) {
    throw new FormatError(`${where}: unsupported dtype '${dtype}' (supported: ${Object.keys(DTYPE_SIZE).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw new FormatError(`${where}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0]! > offsets[1]!) {
    throw new FormatError(`${where}: data_offsets must be [begin, end] with 0 ≤ begin ≤ end, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  const expected = shape.reduce((a: number, b: number) => a * b, 1) * DTYPE_SIZE[dtype];
  if (end - begin !== expected) {
    throw new FormatError(`${where}: data_offsets [${begin}, ${end}] span ${end - begin} bytes but ${dtype} [${shape.join(', ')}] needs ${expected}`);
  }
  if (end > dataLength) {
    throw new FormatError(`${where}: data ends at byte ${end} of the data section but only ${dataLength} data bytes exist (truncated file?)`);
  }
  return { dtype, shape: [...(shape as number[])], dataOffsets: [begin, end] };
}

function parseMetadata(value: unknown, label: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw new FormatError(`${label}: __metadata__ must be an object of strings, got ${describe(value)}`);
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new FormatError(`${label}: __metadata__['${key}'] must be a string, got ${describe(v)}`);
  }
  return { ...(value as Record<string, string>) };
}

/** One tensor to be laid out by {@link buildSafetensorsHeader}. */
export interface HeaderEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: readonly number[];
}

/**
 * Lay out tensors back to back in sorted-name order and build the header bytes (length prefix
 * included), space-padded so the data section starts 8-byte aligned. Returns the header and the
 * entries in file order with their byte ranges.
 */
export function buildSafetensorsHeader<E extends HeaderEntry>(
  entries: readonly E[],
  metadata: Record<string, string> = {},
): { header: Uint8Array; layout: (E & { begin: number; end: number })[] } {
  for (const [key, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new PatchworkError('E_ARGUMENT', `safetensors metadata['${key}'] must be a string, got ${describe(v)}`);
  }
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let offset = 0;
  const layout = sorted.map((e) => {
    if (e.name === METADATA_KEY) throw new PatchworkError('E_ARGUMENT', `'${METADATA_KEY}' is reserved and cannot name a tensor`);
    const begin = offset;
    offset += e.shape.reduce((a, b) => a * b, 1) * DTYPE_SIZE[e.dtype];
    return { ...e, begin, end: offset };
  });
  // Built by hand rather than JSON.stringify(object) because objects put integer-like keys first,
  // which would break the sorted order.
  const parts = layout.map((e) => `${JSON.stringify(e.name)}:${JSON.stringify({ dtype: e.dtype, shape: e.shape, data_offsets: [e.begin, e.end] })}`);
  if (Object.keys(metadata).length > 0) parts.unshift(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = Math.ceil(json.length / 8) * 8;
  const header = new Uint8Array(8 + padded).fill(0x20);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(json, 8);
  return { header, layout };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}
