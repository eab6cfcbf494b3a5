import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, packClosure } from './pack.js';

// The smallest model-facing package today; switch to a model package as they land.
const TARGET = '@patchwork/layers';

describe(`npm install of one packed package (${TARGET})`, () => {
  it('installs only it and its dependencies, imports and runs on the default backend', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwork-pack-'));
    const tarballs = packClosure(TARGET, work);
    // The packed manifests name real versions that are not on the registry yet: point npm at the tarballs.
    const overrides = Object.fromEntries([...tarballs].map(([n, f]) => [n, `file:${f}`]));
    fs.writeFileSync(
      path.join(work, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { [TARGET]: `file:${tarballs.get(TARGET)}` }, overrides }, null, 2),
    );
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: work, stdio: 'inherit', env: cleanEnv() });

    const installed = fs.readdirSync(path.join(work, 'node_modules/@patchwork')).sort();
    expect(installed).toEqual([...tarballs.keys()].map((n) => n.replace('@patchwork/', '')).sort());
    for (const heavy of ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'sharp', 'vitest', 'typescript']) {
      expect(fs.existsSync(path.join(work, 'node_modules', heavy)), heavy).toBe(false);
    }

    fs.writeFileSync(
      path.join(work, 'main.js'),
      `import { initBackend, tf } from '@patchwork/tensor-core';
import { Linear } from '@patchwork/layers';
const info = await initBackend();
const fc = new Linear(4, 2);
const y = fc.forward(tf.ones([3, 4]));
console.log(JSON.stringify({ backend: info.name, threads: info.threads, shape: y.shape, finite: y.isFinite().all().dataSync()[0] === 1 }));
process.exit(0);
`,
    );
    const out = execFileSync('node', ['main.js'], { cwd: work, encoding: 'utf8' });
    const result = JSON.parse(out.trim().split('\n').pop()!) as { backend: string; shape: number[]; finite: boolean };
    expect(result.backend).toBe('wasm');
    expect(result.shape).toEqual([3, 2]);
    expect(result.finite).toBe(true);
    fs.rmSync(work, { recursive: true, force: true });
  });
});
