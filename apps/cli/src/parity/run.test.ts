import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '@patchwork/tensor-core';
import { encodeSafetensors } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import type { ParityAdapter } from './adapter.js';
import { runParity } from './run.js';

// A synthetic "model" whose fixture is y = 2·x: exercises the framework without any real model.
function writeCase(dir: string, y: number[], tol = 1e-4): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'case.json'), JSON.stringify({ model: 'double', case: 'toy', constructor: { k: 2 }, tolerance: { max_abs: tol } }));
  fs.writeFileSync(path.join(dir, 'weights.safetensors'), encodeSafetensors({}));
  const x = tf.tensor([1, 2, 3]);
  const yt = tf.tensor(y);
  fs.writeFileSync(path.join(dir, 'io.safetensors'), encodeSafetensors({ x, y: yt }));
  tf.dispose([x, yt]);
}

const double: ParityAdapter = {
  name: 'double',
  accepts: (c) => c.json.model === 'double',
  run: (c) => ({ y: { value: tf.mul(c.io.x!, (c.json.constructor as { k: number }).k) } }),
};

describe('runParity', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'parity-'));

  it('passes within tolerance and reports the max error per output', async () => {
    writeCase(path.join(root, 'ok'), [2, 4, 6.00001]);
    const before = tf.memory().numTensors;
    const r = await runParity(path.join(root, 'ok'), [double]);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.pass).toBe(true);
    expect(r.case).toBe('double/toy');
    expect(r.maxAbsErr.y).toBeCloseTo(1e-5, 6);
  });

  it('fails when an output is out of tolerance, naming it', async () => {
    writeCase(path.join(root, 'bad'), [2, 4, 7]);
    const r = await runParity(path.join(root, 'bad'), [double]);
    expect(r.pass).toBe(false);
    expect(r.failures).toEqual([{ output: 'y', maxAbsErr: 1, allowed: 1e-4 }]);
  });

  it('explains a case no adapter knows and a directory that is not a case', async () => {
    writeCase(path.join(root, 'ok2'), [2, 4, 6]);
    await expect(runParity(path.join(root, 'ok2'), [])).rejects.toThrow(/no parity adapter for model 'double'/);
    await expect(runParity(root, [double])).rejects.toThrow(/not a fixture case: no case.json/);
  });
});
