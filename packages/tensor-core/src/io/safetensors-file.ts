// Node-only safetensors files: lazy per-tensor reads at file offsets, and atomic writes.
import fs from 'node:fs';
import { PatchworkError } from '../errors.js';
import type { tf } from '../tf.js';
import { planSafetensors } from './safetensors.js';
import type { DecodedSafetensors, EncodeOptions } from './safetensors.js';
import { tensorFromBytes, tensorToBytes } from './safetensors-dtype.js';
import type { SafetensorsDtype } from './safetensors-dtype.js';
import { parseSafetensorsHeader, safetensorsHeaderLength, tensorLabel } from './safetensors-header.js';
import type { SafetensorsHeader } from './safetensors-header.js';
import { fileError, readExactly, writeAll, writeFileAtomic } from './fs-util.js';

/** An open safetensors file. Only the header is read on open; tensors are read on demand. */
export interface SafetensorsFile {
  /** The path it was opened from. */
  readonly path: string;
  /** The `__metadata__` string map. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Tensor names, sorted. */
  keys(): string[];
  /** Whether the file holds a tensor called `name`. */
  has(name: string): boolean;
  /** Stored dtype and shape of one tensor, without reading its data. */
  info(name: string): { dtype: SafetensorsDtype; shape: number[] };
  /** Read one tensor, touching only its byte range. Caller disposes. */
  read(name: string): tf.Tensor;
  /** Read every tensor (one read per tensor). Caller disposes. */
  readAll(): Record<string, tf.Tensor>;
  /** Close the file handle; later reads throw. */
  close(): void;
}

/**
 * Open a safetensors file and read and validate its header only. Tensors are read one at a time,
 * at their offsets, by {@link SafetensorsFile.read}, so a large file is never loaded whole.
 * Throws {@link FormatError} (corrupt or truncated) or an E_FILE error (cannot open).
 */
export function openSafetensors(path: string): SafetensorsFile {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (err) {
    throw fileError(err, `cannot open ${path}`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const prefix = readExactly(fd, 0, Math.min(8, size), path);
    const n = safetensorsHeaderLength(prefix, size, path);
    const bytes = new Uint8Array(8 + n);
    bytes.set(prefix);
    bytes.set(readExactly(fd, 8, n, path), 8);
    return new LazyFile(path, fd, parseSafetensorsHeader(bytes, { source: path, byteLength: size }));
  } catch (err) {
    fs.closeSync(fd);
    throw fileError(err, `cannot read ${path}`);
  }
}

class LazyFile implements SafetensorsFile {
  private fd: number | null;

  constructor(
    readonly path: string,
    fd: number,
    private readonly header: SafetensorsHeader,
  ) {
    this.fd = fd;
  }

  get metadata(): Readonly<Record<string, string>> {
    return this.header.metadata;
  }

  keys(): string[] {
    return Object.keys(this.header.tensors);
  }

  has(name: string): boolean {
    return Object.hasOwn(this.header.tensors, name);
  }

  info(name: string): { dtype: SafetensorsDtype; shape: number[] } {
    const { dtype, shape } = this.entry(name);
    return { dtype, shape: [...shape] };
  }

  read(name: string): tf.Tensor {
    const { dtype, shape, dataOffsets } = this.entry(name);
    if (this.fd === null) throw new PatchworkError('E_FILE', `${this.path}: file is closed`);
    const [begin, end] = dataOffsets;
    let bytes: Uint8Array;
    try {
      bytes = readExactly(this.fd, this.header.dataStart + begin, end - begin, this.path);
    } catch (err) {
      throw fileError(err, `cannot read ${this.path}`);
    }
    // `bytes` is a fresh buffer, so tfjs may take it without another copy.
    return tensorFromBytes(bytes, dtype, shape, tensorLabel(this.path, name));
  }

  readAll(): Record<string, tf.Tensor> {
    const out: [string, tf.Tensor][] = [];
    try {
      for (const name of this.keys()) out.push([name, this.read(name)]);
    } catch (err) {
      for (const [, t] of out) t.dispose();
      throw err;
    }
    return Object.fromEntries(out);
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  private entry(name: string): SafetensorsHeader['tensors'][string] {
    if (!this.has(name)) {
      const keys = this.keys();
      const shown = keys.slice(0, 10).join(', ') + (keys.length > 10 ? `, … (${keys.length} in all)` : '');
      throw new PatchworkError('E_ARGUMENT', `${this.path} has no tensor '${name}' (it holds: ${shown || 'no tensors'})`);
    }
    return this.header.tensors[name]!;
  }
}

/** Read a whole safetensors file (header, then each tensor). Caller disposes the tensors. */
export function loadSafetensorsFile(path: string): DecodedSafetensors {
  const file = openSafetensors(path);
  try {
    return { tensors: file.readAll(), metadata: { ...file.metadata } };
  } finally {
    file.close();
  }
}

/**
 * Write tensors to a safetensors file atomically (temporary file in the same directory, fsync,
 * rename): if anything fails midway, an existing file at `path` is left as it was. Tensors are
 * streamed one at a time, never assembled into one buffer. The tensors are not disposed.
 */
export function writeSafetensorsFile(
  path: string,
  tensors: Record<string, tf.Tensor>,
  metadata: Record<string, string> = {},
  options: EncodeOptions = {},
): void {
  const plan = planSafetensors(tensors, metadata, options);
  writeFileAtomic(path, (fd) => {
    writeAll(fd, plan.header);
    for (const t of plan.tensors) writeAll(fd, tensorToBytes(t.tensor, t.dtype));
  });
}
