import { FormatError } from '@patchwork/tensor-core';

// Exact, compact JSON for large float arrays: little-endian bytes in base64 (Python reads them
// with `np.frombuffer(base64.b64decode(s), '<f8')`). Written by hand to stay browser-safe (no Buffer).

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chunk = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i]!;
    const b1 = i + 1 < bytes.length ? bytes[i + 1]! : 0;
    const b2 = i + 2 < bytes.length ? bytes[i + 2]! : 0;
    chunk += ALPHABET[b0 >> 2]! + ALPHABET[((b0 & 3) << 4) | (b1 >> 4)]!;
    chunk += i + 1 < bytes.length ? ALPHABET[((b1 & 15) << 2) | (b2 >> 6)]! : '=';
    chunk += i + 2 < bytes.length ? ALPHABET[b2 & 63]! : '=';
    if (chunk.length >= 8192) {
      parts.push(chunk);
      chunk = '';
    }
  }
  parts.push(chunk);
  return parts.join('');
}

function base64ToBytes(text: string, what: string): Uint8Array {
  if (text.length % 4 !== 0) throw new FormatError(`${what}: base64 length ${text.length} is not a multiple of 4`);
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const v = [0, 1, 2, 3].map((k) => {
      const ch = text.charCodeAt(i + k);
      if (ch === 61 && i + k >= text.length - pad) return 0; // '=' padding
      const d = ch < 128 ? LOOKUP[ch]! : -1;
      if (d < 0) throw new FormatError(`${what}: invalid base64 character at offset ${i + k}`);
      return d;
    }) as [number, number, number, number];
    const word = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    if (o < out.length) out[o++] = (word >> 16) & 255;
    if (o < out.length) out[o++] = (word >> 8) & 255;
    if (o < out.length) out[o++] = word & 255;
  }
  return out;
}

/** Float64 values as base64 of their little-endian bytes (exact round trip). */
export function float64ToBase64(values: ArrayLike<number>): string {
  const view = new DataView(new ArrayBuffer(values.length * 8));
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i]!, true);
  return bytesToBase64(new Uint8Array(view.buffer));
}

/** Inverse of {@link float64ToBase64}; throws a FormatError naming `what` unless it holds exactly `length` values. */
export function base64ToFloat64(text: string, length: number, what: string): Float64Array {
  const bytes = base64ToBytes(text, what);
  if (bytes.length !== length * 8) throw new FormatError(`${what}: expected ${length} float64 values (${length * 8} bytes), got ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer);
  return Float64Array.from({ length }, (_, i) => view.getFloat64(i * 8, true));
}
