import { describe, expect, it } from 'vitest';
import { FormatError, PatchworkError } from '../errors.js';
import { tf } from '../tf.js';
import { expectNoLeaks } from '../testing/index.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';
import { parseSafetensorsHeader } from './safetensors-header.js';

/** A safetensors file from a header object and data bytes; `declared` overrides the length prefix. */
function rawFile(header: unknown, data: ArrayLike<number> = [], declared?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(Array.from(data), 8 + json.length);
  return out;
}

function headerJson(bytes: Uint8Array): { n: number; text: string } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { n, text: new TextDecoder().decode(bytes.subarray(8, 8 + n)) };
}

function decodeError(bytes: Uint8Array): FormatError {
  try {
    decodeSafetensors(bytes, { source: 'model.safetensors' });
  } catch (err) {
    expect(err).toBeInstanceOf(FormatError);
    return err as FormatError;
  }
  throw new Error('expected a FormatError');
}

describe('safetensors encode/decode', () => {
  it('round-trips float32, int32 and bool tensors, scalars and empty tensors', async () => {
    const input = {
      'b.weight': tf.tensor([[1.5, -2, 3.25], [0, 1e-8, -1e30]], [2, 3], 'float32'),
      'a.count': tf.scalar(7, 'int32'),
      'c.mask': tf.tensor([true, false, true], [3], 'bool'),
      'd.ids': tf.tensor([-2147483648, 2147483647, 0, -1], [2, 2], 'int32'),
      'e.empty': tf.zeros([0, 4]),
    };
    const bytes = encodeSafetensors(input, { model: 'x' });
    const { tensors, metadata } = await expectNoLeaks(() => decodeSafetensors(bytes), 5);
    expect(metadata).toEqual({ model: 'x' });
    expect(Object.keys(tensors)).toEqual(['a.count', 'b.weight', 'c.mask', 'd.ids', 'e.empty']);
    for (const [name, t] of Object.entries(input)) {
      const got = tensors[name]!;
      expect(got.dtype).toBe(t.dtype);
      expect(got.shape).toEqual(t.shape);
      expect(Array.from(got.dataSync())).toEqual(Array.from(t.dataSync()));
    }
    tf.dispose([...Object.values(input), ...Object.values(tensors)]);
  });

  it('reads a Node Buffer that is a view into a larger pool (as fs.readFileSync returns for small files)', () => {
    const w = tf.tensor([1.5, -2, 3.25, 4], [2, 2]);
    const bytes = encodeSafetensors({ w });
    const pool = Buffer.alloc(bytes.length + 13, 0xff);
    pool.set(bytes, 5);
    const { tensors } = decodeSafetensors(pool.subarray(5, 5 + bytes.length));
    expect(Array.from(tensors['w']!.dataSync())).toEqual([1.5, -2, 3.25, 4]);
    tf.dispose([w, tensors['w']!]);
  });

  it('writes the standard layout: sorted names, metadata, padded header, contiguous offsets, shape [] for scalars', () => {
    const t10 = tf.ones([2]);
    const t2 = tf.scalar(1, 'int32');
    const bytes = encodeSafetensors({ '10': t10, '2': t2, 'a.b': t10 }, { format: 'pt' });
    const { n, text } = headerJson(bytes);
    expect(n % 8).toBe(0);
    expect(text.slice(text.lastIndexOf('}') + 1)).toMatch(/^ +$/);
    // Integer-like names stay in string order ('10' < '2'), not JS object order.
    expect(text.trimEnd()).toBe(
      '{"__metadata__":{"format":"pt"},"10":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
        '"2":{"dtype":"I32","shape":[],"data_offsets":[8,12]},"a.b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}',
    );
    expect(bytes.length).toBe(8 + n + 20);
    tf.dispose([t10, t2]);
  });

  it('writes F16 and BF16 with the expected bit patterns and reads them back as float32', async () => {
    const x = tf.tensor([1, -2, 65504, 1 / 3, Math.PI], [5]);
    for (const [dtype, bits, back] of [
      ['F16', [0x3c00, 0xc000, 0x7bff, 0x3555, 0x4248], [1, -2, 65504, 0.333251953125, 3.140625]],
      ['BF16', [0x3f80, 0xc000, 0x4780, 0x3eab, 0x4049], [1, -2, 65536, 0.333984375, 3.140625]],
    ] as const) {
      const bytes = encodeSafetensors({ x }, {}, { floatDtype: dtype });
      const header = parseSafetensorsHeader(bytes);
      expect(header.tensors.x).toEqual({ dtype, shape: [5], dataOffsets: [0, 10] });
      const words = new Uint16Array(bytes.slice(header.dataStart).buffer);
      expect(Array.from(words)).toEqual(bits);
      const { tensors } = await expectNoLeaks(() => decodeSafetensors(bytes), 1);
      expect(tensors.x!.dtype).toBe('float32');
      expect(Array.from(tensors.x!.dataSync())).toEqual(back);
      tensors.x!.dispose();
    }
    x.dispose();
  });

  it('writes int32 as I64 on request and reads I64 back as int32', async () => {
    const ids = tf.tensor([0, 1, -1, 2147483647, -2147483648], [5], 'int32');
    const bytes = encodeSafetensors({ ids }, {}, { intDtype: 'I64' });
    const header = parseSafetensorsHeader(bytes);
    expect(header.tensors.ids!.dtype).toBe('I64');
    const words = new BigInt64Array(bytes.slice(header.dataStart).buffer);
    expect(Array.from(words)).toEqual([0n, 1n, -1n, 2147483647n, -2147483648n]);
    const { tensors } = await expectNoLeaks(() => decodeSafetensors(bytes), 1);
    expect(tensors.ids!.dtype).toBe('int32');
    expect(Array.from(tensors.ids!.dataSync())).toEqual([0, 1, -1, 2147483647, -2147483648]);
    tf.dispose([ids, tensors.ids!]);
  });

  it('reads U8 as int32 and BOOL as bool', () => {
    const bytes = rawFile(
      { u: { dtype: 'U8', shape: [3], data_offsets: [0, 3] }, b: { dtype: 'BOOL', shape: [2], data_offsets: [3, 5] } },
      [0, 128, 255, 1, 0],
    );
    const { tensors } = decodeSafetensors(bytes);
    expect(tensors.u!.dtype).toBe('int32');
    expect(Array.from(tensors.u!.dataSync())).toEqual([0, 128, 255]);
    expect(tensors.b!.dtype).toBe('bool');
    expect(Array.from(tensors.b!.dataSync())).toEqual([1, 0]);
    tf.dispose(Object.values(tensors));
  });

  it('accepts out-of-order and overlapping entries within bounds, and an unpadded header', () => {
    const f = new Uint8Array(new Float32Array([1, 2, 3]).buffer);
    const bytes = rawFile(
      { b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] }, a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } },
      f,
    );
    const { tensors } = decodeSafetensors(bytes);
    expect(Array.from(tensors.a!.dataSync())).toEqual([1, 2]);
    expect(Array.from(tensors.b!.dataSync())).toEqual([2, 3]);
    tf.dispose(Object.values(tensors));
  });

  it('does not alias the input buffer', () => {
    const x = tf.tensor([1, 2]);
    const bytes = encodeSafetensors({ x });
    const { tensors } = decodeSafetensors(bytes);
    bytes.fill(0);
    expect(Array.from(tensors.x!.dataSync())).toEqual([1, 2]);
    tf.dispose([x, tensors.x!]);
  });

  it('refuses to write other dtypes, disposed tensors, non-string metadata and the reserved name', () => {
    const c = tf.tensor(['a'], [1], 'string');
    expect(() => encodeSafetensors({ c })).toThrow(/tensor 'c': cannot write dtype string/);
    c.dispose();
    expect(() => encodeSafetensors({ c })).toThrow(/tensor 'c' is disposed/);
    const x = tf.ones([1]);
    expect(() => encodeSafetensors({ x }, { n: 3 as unknown as string })).toThrow(PatchworkError);
    expect(() => encodeSafetensors({ __metadata__: x })).toThrow(/reserved/);
    x.dispose();
  });
});

describe('safetensors errors', () => {
  const f32x2 = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };

  it('a file shorter than 8 bytes', () => {
    expect(decodeError(new Uint8Array(5)).message).toMatch(/^model\.safetensors: only 5 bytes, too short/);
  });

  it('a header length past the end, or absurd', () => {
    expect(decodeError(rawFile({}, [], 1000n)).message).toMatch(/model\.safetensors: header length 1000 runs past the end of the 10-byte file/);
    expect(decodeError(rawFile({}, [], 2n ** 63n)).message).toMatch(/header length 9223372036854775808 is absurd/);
  });

  it('invalid JSON, or JSON that is not an object', () => {
    const bad = rawFile({});
    bad.set(new TextEncoder().encode('{x'), 8);
    expect(decodeError(bad).message).toMatch(/model\.safetensors: header is not valid UTF-8 JSON/);
    expect(decodeError(rawFile([1, 2])).message).toMatch(/header must be a JSON object, got an array/);
    expect(decodeError(rawFile({ x: 3 })).message).toMatch(/tensor 'x': entry must be an object/);
  });

  it('an unknown dtype names the tensor', () => {
    const e = decodeError(rawFile({ 'blocks.0.w': { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)));
    expect(e.message).toBe("model.safetensors: tensor 'blocks.0.w': unsupported dtype 'F64' (supported: F32, F16, BF16, I64, I32, U8, BOOL)");
  });

  it('data_offsets that do not match shape × dtype size', () => {
    const e = decodeError(rawFile({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } }, new Uint8Array(24)));
    expect(e.message).toBe("model.safetensors: tensor 'w': data_offsets [0, 20] span 20 bytes but F32 [2, 3] needs 24");
    expect(decodeError(rawFile({ w: { ...f32x2, data_offsets: [8, 0] } })).message).toMatch(/begin ≤ end/);
    expect(decodeError(rawFile({ w: { ...f32x2, shape: [-1] } })).message).toMatch(/shape must be a list of non-negative integers/);
  });

  it('offsets past the end of the buffer (a truncated file)', () => {
    const whole = rawFile({ a: f32x2, b: { ...f32x2, data_offsets: [8, 16] } }, new Uint8Array(16));
    const e = decodeError(whole.subarray(0, whole.length - 3));
    expect(e.message).toBe("model.safetensors: tensor 'b': data ends at byte 16 of the data section but only 13 data bytes exist (truncated file?)");
  });

  it('bad __metadata__', () => {
    expect(decodeError(rawFile({ __metadata__: { a: 1 } })).message).toMatch(/__metadata__\['a'\] must be a string/);
    expect(decodeError(rawFile({ __metadata__: 'x' })).message).toMatch(/__metadata__ must be an object of strings/);
  });

  it('I64 values outside int32, without leaking the tensors decoded before it', async () => {
    const big = new BigInt64Array([1n, 2n ** 31n]);
    const bytes = rawFile(
      { a: f32x2, ids: { dtype: 'I64', shape: [2], data_offsets: [8, 24] } },
      [...new Uint8Array(8), ...new Uint8Array(big.buffer)],
    );
    await expectNoLeaks(() => {
      expect(decodeError(bytes).message).toBe("model.safetensors: tensor 'ids': I64 value 2147483648 at flat index 1 is outside the int32 range tfjs supports");
    });
  });

  it('without a source label, errors say "safetensors data"', () => {
    expect(() => decodeSafetensors(new Uint8Array(3))).toThrow(/^safetensors data: only 3 bytes/);
  });
});
