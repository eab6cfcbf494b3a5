import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { FormatError } from '@patchwork/tensor-core';

/** Name of the fingerprint file next to `checkpoints/`. */
export const FINGERPRINT_FILE = 'weights.json';

/**
 * Fingerprint of the tensors in a safetensors file: SHA-256 over its tensor index (names, dtypes,
 * shapes, offsets) and data, leaving out `__metadata__`, where a trainer may keep wall-clock
 * numbers (e.g. how long an evaluation took).
 */
export function tensorsFingerprint(file: string): string {
  const buf = fs.readFileSync(file);
  if (buf.length < 8) throw new FormatError(`${file}: too short for a safetensors file (${buf.length} bytes)`);
  const n = Number(buf.readBigUInt64LE(0));
  if (8 + n > buf.length) throw new FormatError(`${file}: its safetensors header claims ${n} bytes, the file has ${buf.length - 8} after the length`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new FormatError(`${file}: unreadable safetensors header (${(err as Error).message})`, { cause: err });
  }
  const index = Object.keys(header)
    .filter((k) => k !== '__metadata__')
    .sort()
    .map((k) => [k, header[k]]);
  return createHash('sha256').update(JSON.stringify(index)).update(buf.subarray(8 + n)).digest('hex');
}

/**
 * Write `runDir/weights.json`: the latest checkpoint's file name and {@link tensorsFingerprint}.
 * `eval` hashes this file (not the checkpoint) so that a seeded run that trains the same weights
 * is a cache hit even when the checkpoint's metadata holds timings. Returns the file written.
 */
export function writeWeightsFingerprint(runDir: string): string {
  const dir = path.join(runDir, 'checkpoints');
  const latest = path.join(dir, 'latest');
  if (!fs.existsSync(latest)) throw new FormatError(`${dir} holds no checkpoint (no 'latest' file): the training run saved nothing`);
  const name = fs.readFileSync(latest, 'utf8').trim();
  const file = path.join(runDir, FINGERPRINT_FILE);
  fs.writeFileSync(file, `${JSON.stringify({ checkpoint: name, sha256: tensorsFingerprint(path.join(dir, name)) }, null, 2)}\n`);
  return file;
}
