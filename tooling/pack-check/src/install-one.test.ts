import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, internalClosure, packAll, workspacePackages } from './pack.js';
import { readmeExample, toRunnableJs } from './readme-example.js';

// What a user does: `npm install @patchwork/<one model package>` into an empty project, then
// runs the example of that package's README. Every package is packed once and reused.
const TARGETS = ['vit', 'mae', 'mobilenetv2', 'mat-inpaint', 'flowmo-tokenizer', 'segmentation-heads', 'datasets', 'metrics'].map((n) => `@patchwork/${n}`);
const NEVER = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'vitest', 'typescript', 'eslint'];

const pkgs = workspacePackages();
let work = '';
let tarballs = new Map<string, string>();

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwork-pack-'));
  fs.mkdirSync(path.join(work, 'tarballs'));
  tarballs = packAll(path.join(work, 'tarballs'), pkgs);
});

// Eight projects with tfjs in node_modules: deleting them takes a while on a busy disk.
afterAll(() => {
  if (work !== '') fs.rmSync(work, { recursive: true, force: true });
}, 600_000);

it('covers every model package', () => {
  for (const model of ['vit', 'mae', 'mobilenetv2', 'mat-inpaint', 'flowmo-tokenizer', 'segmentation-heads']) expect(TARGETS).toContain(`@patchwork/${model}`);
  for (const t of TARGETS) expect(pkgs.has(t), `${t} is a publishable workspace package`).toBe(true);
});

describe.each(TARGETS)('npm install %s from its tarball', (target) => {
  it('pulls in exactly its own @patchwork dependencies and runs its README example on wasm', () => {
    // The README as published (read from the tarball).
    const readme = execFileSync('tar', ['-xzOf', tarballs.get(target)!, 'package/README.md'], { encoding: 'utf8' });
    const example = readmeExample(readme);
    if (example === null) throw new Error(`${target}'s README has no \`\`\`ts or \`\`\`js example`);
    // The example may use packages beside the target (e.g. a backbone for the heads): the user installs those too.
    const requested = [...new Set([target, ...example.imports])];
    for (const r of requested) expect(pkgs.has(r), `${target}'s README example imports ${r}, which is not a publishable package`).toBe(true);
    const expected = [...new Set(requested.flatMap((r) => internalClosure(r, pkgs)))].map((n) => n.replace('@patchwork/', '')).sort();

    const dir = path.join(work, target.replace('@patchwork/', ''));
    fs.mkdirSync(dir);
    // The packed manifests name versions that are not on the registry yet: point npm at the tarballs.
    const overrides = Object.fromEntries([...tarballs].map(([n, f]) => [n, `file:${f}`]));
    const dependencies = Object.fromEntries(requested.map((r) => [r, `file:${tarballs.get(r)}`]));
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies, overrides }, null, 2));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: dir, stdio: 'inherit', env: cleanEnv() });

    expect(fs.readdirSync(path.join(dir, 'node_modules/@patchwork')).sort()).toEqual(expected);
    for (const heavy of NEVER) expect(fs.existsSync(path.join(dir, 'node_modules', heavy)), heavy).toBe(false);
    // sharp (image codecs) belongs to @patchwork/datasets' Node entry only.
    expect(fs.existsSync(path.join(dir, 'node_modules/sharp')), 'sharp').toBe(expected.includes('datasets'));

    const probe = "\nconsole.log(`patchwork-backend: ${(await import('@patchwork/tensor-core')).backendInfo().name}`);\n";
    fs.writeFileSync(path.join(dir, 'example.mjs'), toRunnableJs(example) + probe);
    const t0 = performance.now();
    const res = spawnSync(process.execPath, ['example.mjs'], { cwd: dir, encoding: 'utf8', env: cleanEnv(), timeout: 300_000 });
    console.log(`${target}: README example ran in ${((performance.now() - t0) / 1000).toFixed(1)} s (exit ${res.status})\n${res.stdout}`);
    expect(res.status, `example failed:\n${res.stderr}`).toBe(0);
    expect(res.stdout.trim().split('\n').pop()).toBe('patchwork-backend: wasm');
  });
});

