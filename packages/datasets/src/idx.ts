import { FormatError } from '@patchwork/tensor-core';

/** A decoded IDX array (the MNIST file format): unsigned bytes with their dimensions. */
export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

/**
 * Decode an uncompressed IDX buffer of unsigned bytes (type 0x08), as used by MNIST and
 * Fashion-MNIST. `source` names the file in errors.
 */
export function decodeIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  if (bytes.length < 4) throw new FormatError(`${source}: ${bytes.length} bytes is too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0) throw new FormatError(`${source}: not an IDX file (bad magic ${view.getUint16(0)})`);
  const type = bytes[2]!;
  const rank = bytes[3]!;
  if (type !== 0x08) throw new FormatError(`${source}: IDX element type 0x${type.toString(16)} is not supported (only unsigned bytes, 0x08)`);
  if (rank < 1 || rank > 4) throw new FormatError(`${source}: IDX rank ${rank} is out of range 1..4`);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw new FormatError(`${source}: truncated IDX header`);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const size = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - headerBytes < size) {
    throw new FormatError(`${source}: truncated: header says [${shape.join(', ')}] (${size} bytes) but only ${bytes.length - headerBytes} follow`);
  }
  return { shape, data: bytes.subarray(headerBytes, headerBytes + size) };
}
