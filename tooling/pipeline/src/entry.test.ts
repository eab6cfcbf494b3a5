import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshDir } from './entry.js';

// runEntry exits the process, so it runs in a child on the built module (turbo builds before testing).
const ENTRY = path.resolve(import.meta.dirname, '../dist/entry.js');
const TENSOR_CORE = import.meta.resolve('@patchwork/tensor-core');

function run(body: string): { status: number | null; stderr: string } {
  const code = `import { runEntry } from ${JSON.stringify(ENTRY)}; import { PatchworkError } from ${JSON.stringify(TENSOR_CORE)};\nrunEntry('step', async () => { ${body} });`;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  return { status: res.status, stderr: res.stderr };
}

describe('runEntry', () => {
  it('exits 0 on success, 2 on a PatchworkError and 1 otherwise, naming the step', () => {
    expect(run('').status).toBe(0);
    const known = run("throw new PatchworkError('E_FILE', 'no data');");
    expect([known.status, known.stderr.trim()]).toEqual([2, 'step: no data']);
    const other = run("throw new Error('boom');");
    expect([other.status, other.stderr.trim()]).toEqual([1, 'step: boom']);
  });
});

describe('freshDir', () => {
  it('empties a folder a previous run left behind', () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-entry-')), 'a', 'b');
    freshDir(dir);
    fs.writeFileSync(path.join(dir, 'stale.txt'), 'x');
    expect(freshDir(dir)).toBe(dir);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
