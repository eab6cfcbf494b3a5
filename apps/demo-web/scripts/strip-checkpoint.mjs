#!/usr/bin/env node
// Copy a Patchwork training checkpoint keeping only the model weights (`weights/*` tensors) and
// the metadata (model name/config, step): the optimizer slots are dropped, which makes the file
// small enough to ship with the demo. Pure byte surgery on the safetensors format, no tfjs.
// `--only PREFIX` also drops every weight whose state-dict name does not start with PREFIX (e.g.
// `--only G_ema.` keeps a MAT checkpoint's EMA generator, not G and D). `--f16` stores F32 weights
// as F16 (round to nearest even), halving the file; the demo widens them back to float32 on load.
//   node scripts/strip-checkpoint.mjs <in.safetensors> <out.safetensors> [--only PREFIX] [--f16]
import fs from 'node:fs';

const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args.splice(onlyAt, 2)[1] : '';
const f16At = args.indexOf('--f16');
const f16 = f16At >= 0 && args.splice(f16At, 1).length === 1;
const [input, output, ...extra] = args;
if (!input || !output || only === undefined || extra.length > 0) {
  console.error('usage: node scripts/strip-checkpoint.mjs <in.safetensors> <out.safetensors> [--only PREFIX] [--f16]');
  process.exit(2);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** float32 → IEEE binary16 bits, round to nearest even; overflow → ±Inf, NaN stays NaN. */
function toF16Bits(value) {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | (mant === 0 ? 0x7c00 : 0x7e00);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  // Normal results keep 10 of the 23 mantissa bits; subnormal ones shift the implicit 1 in too.
  const [full, shift, base] = e > 0 ? [mant, 13, e << 10] : [mant | 0x800000, 14 - e, 0];
  if (shift > 24) return sign;
  const kept = full >>> shift;
  const rest = full - kept * 2 ** shift;
  const half = 2 ** (shift - 1);
  const up = rest > half || (rest === half && (kept & 1) === 1) ? 1 : 0;
  // A carry out of the mantissa bumps the exponent, up to Inf: the bit layout makes that exact.
  return sign | (base + kept + up);
}

function narrow(bytes) {
  const src = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = toF16Bits(src[i]);
  return Buffer.from(out.buffer);
}
const bytes = fs.readFileSync(input);
const headerLen = Number(bytes.readBigUInt64LE(0));
const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString('utf8'));
const data = bytes.subarray(8 + headerLen);
const out = {};
if (header.__metadata__) out.__metadata__ = header.__metadata__;
const chunks = [];
let offset = 0;
for (const [name, info] of Object.entries(header)) {
  if (name === '__metadata__' || !name.startsWith(`weights/${only}`)) continue;
  const [begin, end] = info.data_offsets;
  const toHalf = f16 && info.dtype === 'F32';
  const chunk = toHalf ? narrow(data.subarray(begin, end)) : data.subarray(begin, end);
  chunks.push(chunk);
  out[name] = { dtype: toHalf ? 'F16' : info.dtype, shape: info.shape, data_offsets: [offset, offset + chunk.length] };
  offset += chunk.length;
}
let json = JSON.stringify(out);
json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8); // keep the data 8-byte aligned
const len = Buffer.alloc(8);
len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
fs.writeFileSync(output, Buffer.concat([len, Buffer.from(json, 'utf8'), ...chunks]));
console.log(`${output}: ${Object.keys(out).length - (out.__metadata__ ? 1 : 0)} tensors, ${fs.statSync(output).size} bytes (from ${bytes.length})`);
