import zlib from 'node:zlib';
import { FormatError } from '@patchwork/tensor-core';
import type { LabelMap } from '../types.js';

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

interface Header {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undo PNG's per-row filters in place; `bpp` = bytes per complete pixel (1 for sub-byte depths). */
function unfilter(raw: Uint8Array, height: number, rowBytes: number, bpp: number, source: string): Uint8Array {
  const out = new Uint8Array(height * rowBytes);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (rowBytes + 1)]!;
    const src = raw.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1));
    const row = out.subarray(y * rowBytes, (y + 1) * rowBytes);
    const prev = y > 0 ? out.subarray((y - 1) * rowBytes, y * rowBytes) : new Uint8Array(rowBytes);
    for (let x = 0; x < rowBytes; x++) {
      const a = x >= bpp ? row[x - bpp]! : 0;
      const b = prev[x]!;
      const c = x >= bpp ? prev[x - bpp]! : 0;
      const v = src[x]!;
      switch (filter) {
        case 0: row[x] = v; break;
        case 1: row[x] = v + a; break;
        case 2: row[x] = v + b; break;
        case 3: row[x] = v + ((a + b) >> 1); break;
        case 4: row[x] = v + paeth(a, b, c); break;
        default: throw new FormatError(`${source}: bad PNG filter type ${filter} in row ${y}`);
      }
    }
  }
  return out;
}

/**
 * Decode a label-map PNG to its stored values: 8-bit greyscale (ADE20K) or palette PNGs
 * (PASCAL VOC), whose palette *indices* are the labels. Generic decoders (sharp, browsers)
 * expand palettes to colours, which is why label maps get this small decoder. Non-interlaced
 * only; other kinds raise a {@link FormatError} naming `source`.
 */
export function decodeLabelPng(bytes: Uint8Array, source = 'label PNG'): LabelMap {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new FormatError(`${source}: not a PNG file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: Header | null = null;
  const idat: Uint8Array[] = [];
  let pos = 8;
  let ended = false;
  while (!ended) {
    if (pos + 8 > bytes.length) throw new FormatError(`${source}: truncated PNG (no IEND chunk)`);
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (pos + 12 + length > bytes.length) throw new FormatError(`${source}: truncated PNG (chunk ${type} runs past the end)`);
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    if (type === 'IHDR') {
      const d = new DataView(data.buffer, data.byteOffset, data.byteLength);
      header = { width: d.getUint32(0), height: d.getUint32(4), bitDepth: data[8]!, colorType: data[9]!, interlace: data[12]! };
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      ended = true;
    }
    pos += 12 + length;
  }
  if (header === null) throw new FormatError(`${source}: PNG has no IHDR chunk`);
  const { width, height, bitDepth, colorType, interlace } = header;
  const greyOk = colorType === 0 && bitDepth === 8;
  const paletteOk = colorType === 3 && [1, 2, 4, 8].includes(bitDepth);
  if (!(greyOk || paletteOk) || interlace !== 0) {
    throw new FormatError(`${source}: label PNGs must be non-interlaced 8-bit greyscale or palette images (got colour type ${colorType}, ${bitDepth}-bit, interlace ${interlace})`);
  }
  let raw: Uint8Array;
  try {
    raw = zlib.inflateSync(Buffer.concat(idat));
  } catch (err) {
    throw new FormatError(`${source}: corrupt PNG data (${(err as Error).message})`, { cause: err });
  }
  const rowBytes = Math.ceil((width * bitDepth) / 8);
  if (raw.length < height * (rowBytes + 1)) throw new FormatError(`${source}: truncated PNG image data`);
  const rows = unfilter(raw, height, rowBytes, 1, source);
  if (bitDepth === 8) return { data: rows, height, width };
  const data = new Uint8Array(width * height);
  const perByte = 8 / bitDepth;
  const maskBits = (1 << bitDepth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const byte = rows[y * rowBytes + Math.floor(x / perByte)]!;
      data[y * width + x] = (byte >> (8 - bitDepth * ((x % perByte) + 1))) & maskBits;
    }
  }
  return { data, height, width };
}
