#!/usr/bin/env node
// Copy a Patchwork training checkpoint keeping only the model weights (`weights/*` tensors) and
// the metadata (model name/config, step): the optimizer slots are dropped, which makes the file
// small enough to ship with the demo. Pure byte surgery on the safetensors format, no tfjs.
// `--only PREFIX` also drops every weight whose state-dict name does not start with PREFIX (e.g.
// `--only G_ema.` keeps a MAT checkpoint's EMA generator, not G and D).
//   node scripts/strip-checkpoint.mjs <in.safetensors> <out.safetensors> [--only PREFIX]
import fs from 'node:fs';

const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args.splice(onlyAt, 2)[1] : '';
const [input, output] = args;
if (!input || !output || only === undefined) {
  console.error('usage: node scripts/strip-checkpoint.mjs <in.safetensors> <out.safetensors> [--only PREFIX]');
  process.exit(2);
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
  chunks.push(data.subarray(begin, end));
  out[name] = { dtype: info.dtype, shape: info.shape, data_offsets: [offset, offset + (end - begin)] };
  offset += end - begin;
}
let json = JSON.stringify(out);
json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8); // keep the data 8-byte aligned
const len = Buffer.alloc(8);
len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
fs.writeFileSync(output, Buffer.concat([len, Buffer.from(json, 'utf8'), ...chunks]));
console.log(`${output}: ${Object.keys(out).length - (out.__metadata__ ? 1 : 0)} tensors, ${fs.statSync(output).size} bytes (from ${bytes.length})`);
