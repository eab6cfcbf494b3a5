import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '@patchwork/tensor-core';
import { fixtureCaseDirs } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { runParity } from '../run.js';
import { matAdapter } from './mat.js';

const EXACT = /(^|_|\.)(update_mask|mask_windows_out|mask_out|x_size_out)$/;

describe('mat parity adapter', () => {
  it.each(fixtureCaseDirs('mat').map((d) => [path.basename(d), d]))('%s passes with every output compared', async (_, dir) => {
    const before = tf.memory().numTensors;
    const r = await runParity(dir, [matAdapter]);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.failures).toEqual([]);
    expect(r.pass).toBe(true);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8')) as { inputs: Record<string, unknown>; io_file: { tensors: Record<string, unknown> } };
    // Every recorded output (everything in io that is not a listed input) is reproduced; masks and sizes exactly.
    const expected = Object.keys(json.io_file.tensors).filter((k) => !(k in json.inputs));
    expect(Object.keys(r.maxAbsErr).sort()).toEqual(expected.sort());
    for (const [name, err] of Object.entries(r.maxAbsErr)) {
      if (EXACT.test(name)) expect(err, name).toBe(0);
    }
  });

  it('rejects unknown or unsupported constructor arguments by name, and unknown classes', async () => {
    const shipped = fixtureCaseDirs('mat').find((d) => d.endsWith('swin_block_shifted'))!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mat-parity-'));
    for (const f of ['weights.safetensors', 'io.safetensors']) fs.copyFileSync(path.join(shipped, f), path.join(dir, f));
    const json = JSON.parse(fs.readFileSync(path.join(shipped, 'case.json'), 'utf8')) as Record<string, unknown> & { constructor: Record<string, unknown> };
    const write = (patch: Record<string, unknown>): void => fs.writeFileSync(path.join(dir, 'case.json'), JSON.stringify({ ...json, ...patch }));
    const before = tf.memory().numTensors;
    write({ constructor: { ...json.constructor, window_sizes: 4 } });
    await expect(runParity(dir, [matAdapter])).rejects.toThrow(/window_sizes/);
    write({ constructor: { ...json.constructor, qk_scale: -1 } });
    await expect(runParity(dir, [matAdapter])).rejects.toThrow(/qk_scale/);
    write({ class: 'networks.mat.Generator' });
    await expect(runParity(dir, [matAdapter])).rejects.toThrow(/no MAT parity runner for the official class 'Generator'/);
    expect(tf.memory().numTensors).toBe(before);
    fs.rmSync(dir, { recursive: true });
  });

  it('accepts an unseen shape the official class accepts (8×8 block with window 8: no shift, one window)', async () => {
    const shipped = fixtureCaseDirs('mat').find((d) => d.endsWith('swin_block_shifted'))!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mat-parity-'));
    fs.copyFileSync(path.join(shipped, 'io.safetensors'), path.join(dir, 'io.safetensors'));
    // Same weights minus the attn_mask buffer: the clamped block has no shift, so no such buffer officially.
    const { loadSafetensorsFile, writeSafetensorsFile } = await import('@patchwork/tensor-core/node');
    const w = loadSafetensorsFile(path.join(shipped, 'weights.safetensors')).tensors;
    const { attn_mask: dropped, ...rest } = w;
    writeSafetensorsFile(path.join(dir, 'weights.safetensors'), rest);
    tf.dispose(Object.values(w));
    void dropped;
    const json = JSON.parse(fs.readFileSync(path.join(shipped, 'case.json'), 'utf8')) as Record<string, unknown> & { constructor: Record<string, unknown> };
    fs.writeFileSync(path.join(dir, 'case.json'), JSON.stringify({ ...json, constructor: { ...json.constructor, window_size: 8, shift_size: 4 } }));
    const r = await runParity(dir, [matAdapter]);
    // Different attention windows than the recording: it runs (the official class accepts it) but must not match.
    expect(r.pass).toBe(false);
    expect(r.maxAbsErr['y']).toBeGreaterThan(1e-3);
    fs.rmSync(dir, { recursive: true });
  });
});
