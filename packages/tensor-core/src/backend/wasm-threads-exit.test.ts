import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const packageRoot = path.resolve(src, '..');

const MAIN = `
import { tf } from './tf.js';
import { prepareNodeWasm } from './backend/wasm-threads.js';
const runtime = await prepareNodeWasm(2);
await tf.setBackend('wasm');
const x = tf.ones([64, 64]);
tf.matMul(x, x).dataSync();
console.log('threads=' + runtime.threadsInUse());
`;

describe('threaded wasm and process exit', () => {
  // Node workers keep a process alive unless unref'd; only a separate plain Node process shows it.
  it('lets a plain Node script that used 2 wasm threads exit on its own', () => {
    // Inside the package so the script resolves @tensorflow/* like the built package would.
    const dir = fs.mkdtempSync(path.join(packageRoot, 'node_modules', '.wasm-exit-test-'));
    try {
      for (const file of ['tf.ts', 'backend/wasm-threads.ts']) {
        const { outputText } = ts.transpileModule(fs.readFileSync(path.join(src, file), 'utf8'), {
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
        });
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file.replace(/\.ts$/, '.js')), outputText);
      }
      fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }');
      fs.writeFileSync(path.join(dir, 'main.js'), MAIN);
      const run = spawnSync(process.execPath, [path.join(dir, 'main.js')], { encoding: 'utf8', timeout: 30_000 });
      expect(run.signal, 'killed by the timeout: something kept the process alive').toBeNull();
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain('threads=2');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
