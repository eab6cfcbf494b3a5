import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, packClosure } from './pack.js';

// What a user does: `npm install @patchwork/vit` and nothing else.
const TARGET = '@patchwork/vit';

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
import { createVit } from '@patchwork/vit';
const info = await initBackend();
const vit = createVit('vit_micro_patch4_28', { numClasses: 10 });
vit.eval();
const y = vit.forward(tf.ones([3, 28, 28, 1]));
console.log(JSON.stringify({ backend: info.name, threads: info.threads, shape: y.shape, finite: tf.all(tf.isFinite(y)).dataSync()[0] === 1 }));
process.exit(0);
`,
    );
    const out = execFileSync('node', ['main.js'], { cwd: work, encoding: 'utf8' });
    const result = JSON.parse(out.trim().split('\n').pop()!) as { backend: string; shape: number[]; finite: boolean };
    expect(result.backend).toBe('wasm');
    expect(result.shape).toEqual([3, 10]);
    expect(result.finite).toBe(true);
    fs.rmSync(work, { recursive: true, force: true });
  });
});
