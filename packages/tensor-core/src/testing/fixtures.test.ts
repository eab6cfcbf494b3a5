import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../errors.js';
import { openSafetensors } from '../io/safetensors-file.js';
import { tf } from '../tf.js';
import { expectNoLeaks } from './leaks.js';
import { findWorkspaceRoot, fixtureCaseDirs, fixturesRoot, loadFixtureCase } from './fixtures.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwork-fixtures-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

const TF_DTYPE: Record<string, string> = { F32: 'float32', I64: 'int32' };

describe('fixture discovery', () => {
  it('finds the repository copy under tooling/fixtures when PATCHWORK_FIXTURES is unset', () => {
    vi.stubEnv('PATCHWORK_FIXTURES', '');
    const root = findWorkspaceRoot();
    expect(root).not.toBeNull();
    expect(fixturesRoot()).toBe(path.join(root!, 'tooling', 'fixtures'));
  });

  it('honours PATCHWORK_FIXTURES, and refuses one that does not exist', () => {
    vi.stubEnv('PATCHWORK_FIXTURES', tmp);
    expect(fixturesRoot()).toBe(tmp);
    vi.stubEnv('PATCHWORK_FIXTURES', path.join(tmp, 'missing'));
    expect(() => fixturesRoot()).toThrow(/PATCHWORK_FIXTURES=.*missing is not a directory/);
  });

  it('lists every case of the repository copy, or the cases of one model', () => {
    vi.stubEnv('PATCHWORK_FIXTURES', '');
    const all = fixtureCaseDirs().map((d) => path.relative(fixturesRoot(), d));
    expect(all).toHaveLength(16);
    expect(all).toContain(path.join('mobilenetv2', 'w0.5_eval_64px'));
    expect(fixtureCaseDirs('vit').map((d) => path.basename(d))).toEqual(['avgpool_p4_noqkvbias', 'cls_token_p8', 'dynamic_size_32_to_48']);
    expect(() => fixtureCaseDirs('resnet')).toThrow(/no fixtures for model 'resnet' .*\(models: flowmo, mae, mat, mobilenetv2, vit\)/);
  });
});

describe('every shared fixture file', () => {
  for (const dir of fixtureCaseDirs()) {
    const name = path.relative(fixturesRoot(), dir);
    it(`${name}: files match case.json (hashes, tensor counts, io names, dtypes and shapes)`, async () => {
      const before = tf.memory().numTensors;
      const c = loadFixtureCase(dir);
      const ioSpec = c.caseJson.io_file!.tensors;
      const numWeights = c.caseJson.weights!.num_tensors;
      expect(tf.memory().numTensors - before).toBe(numWeights + Object.keys(ioSpec).length);
      expect(`${c.caseJson.model}/${c.caseJson.case}`).toBe(name.split(path.sep).join('/'));
      expect(c.caseJson.tolerance.max_abs).toBeGreaterThan(0);

      for (const file of ['weights', 'io_file'] as const) {
        const spec = c.caseJson[file] as unknown as { file: string; bytes: number; sha256: string };
        const bytes = fs.readFileSync(path.join(dir, spec.file));
        expect(bytes.length, spec.file).toBe(spec.bytes);
        expect(createHash('sha256').update(bytes).digest('hex'), spec.file).toBe(spec.sha256);
      }

      expect(Object.keys(c.weights)).toHaveLength(numWeights);
      expect(Object.keys(c.io).sort()).toEqual(Object.keys(ioSpec).sort());
      const header = openSafetensors(path.join(dir, 'io.safetensors'));
      for (const [key, spec] of Object.entries(ioSpec)) {
        expect(header.info(key), key).toEqual({ dtype: spec.dtype, shape: spec.shape });
        expect(c.io[key]!.shape, key).toEqual(spec.shape);
        expect(c.io[key]!.dtype, key).toBe(TF_DTYPE[spec.dtype]);
      }
      header.close();
      await expectNoLeaks(() => c.dispose(), before - tf.memory().numTensors);
    });
  }
});

describe('loadFixtureCase', () => {
  it('resolves a relative case against the fixtures root', () => {
    const c = loadFixtureCase('flowmo/lfq_quantizer');
    expect(c.caseJson.model).toBe('flowmo');
    expect(Object.keys(c.weights)).toEqual([]);
    c.dispose();
  });

  it('validates case.json and names the file', () => {
    const dir = path.join(tmp, 'broken');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'case.json'), JSON.stringify({ model: 'x', case: 'y', constructor: {}, tolerance: {} }));
    expect(() => loadFixtureCase(dir)).toThrow(ConfigError);
    expect(() => loadFixtureCase(dir)).toThrow(`invalid ${path.join(dir, 'case.json')}:\n  - tolerance.max_abs:`);
    fs.writeFileSync(path.join(dir, 'case.json'), '{');
    expect(() => loadFixtureCase(dir)).toThrow(/cannot read .*case\.json/);
  });
});
