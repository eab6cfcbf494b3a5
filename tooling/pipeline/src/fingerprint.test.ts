import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tensorsFingerprint, writeWeightsFingerprint } from './fingerprint.js';

/** A minimal safetensors file: one F32 tensor, optional metadata. */
function safetensors(values: number[], metadata?: Record<string, string>): Buffer {
  const data = Buffer.from(new Float32Array(values).buffer);
  const header: Record<string, unknown> = { w: { dtype: 'F32', shape: [values.length], data_offsets: [0, data.length] } };
  if (metadata !== undefined) header['__metadata__'] = metadata;
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

describe('weights fingerprint', () => {
  it('ignores the metadata and follows the tensors', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-fp-'));
    const write = (name: string, buf: Buffer): string => {
      fs.writeFileSync(path.join(dir, name), buf);
      return path.join(dir, name);
    };
    const a = tensorsFingerprint(write('a.safetensors', safetensors([1, 2], { seconds: '1.5' })));
    const b = tensorsFingerprint(write('b.safetensors', safetensors([1, 2], { seconds: '2.75', other: 'x' })));
    const c = tensorsFingerprint(write('c.safetensors', safetensors([1, 3])));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(() => tensorsFingerprint(write('d.safetensors', Buffer.from([1, 2])))).toThrow(/too short/);
  });

  it('is written for the latest checkpoint of a run, or says none was saved', () => {
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-fp-'));
    expect(() => writeWeightsFingerprint(runDir)).toThrow(/holds no checkpoint/);
    fs.mkdirSync(path.join(runDir, 'checkpoints'));
    fs.writeFileSync(path.join(runDir, 'checkpoints', 'step-000000002.safetensors'), safetensors([4]));
    fs.writeFileSync(path.join(runDir, 'checkpoints', 'latest'), 'step-000000002.safetensors\n');
    const out = JSON.parse(fs.readFileSync(writeWeightsFingerprint(runDir), 'utf8')) as { checkpoint: string; sha256: string };
    expect(out).toEqual({ checkpoint: 'step-000000002.safetensors', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});
