// Release gate for every publishable package under packages/ (built first: turbo's `test` depends
// on `^build`, and every package is a devDependency of this one). Each package is packed ONCE with
// pnpm — as `changeset publish` → `pnpm publish` packs it — and that tarball is checked:
// 1. contents: dist/index.js, dist/index.d.ts, README.md, no test files;
// 2. manifest: not private, no `workspace:`/`link:`/`file:` range left, internal dependencies on
//    the versions released alongside;
// 3. publint on the tarball: no errors (warnings and suggestions are printed);
// 4. @arethetypeswrong/cli on the tarball under the `esm-only` profile (ESM-only by design);
// 5. dry-run publish: the exact `pnpm publish` command changesets runs, plus `--dry-run`, must
//    succeed and publish the same name, version and files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attw, contentProblems, dryRunPublish, manifestProblems, packTarball, publishablePackages, tarballFiles, tarballManifest } from './packages.js';

const packages = publishablePackages();
const versions = new Map(packages.map((p) => [p.name, p.version]));
const tarballs = new Map<string, string>();
let work = '';

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwork-release-'));
  for (const p of packages) {
    expect(fs.existsSync(path.join(p.dir, 'dist/index.js')), `${p.name} is not built (run turbo build)`).toBe(true);
    tarballs.set(p.name, packTarball(p.dir, work));
  }
});

afterAll(() => {
  if (work !== '') fs.rmSync(work, { recursive: true, force: true });
});

describe('contentProblems', () => {
  it('flags missing entry files and shipped tests', () => {
    expect(contentProblems(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/a.js'])).toEqual([]);
    expect(contentProblems(['package.json', 'dist/index.js', 'dist/a.test.js', 'dist/a.test.d.ts'])).toEqual([
      'missing README.md',
      'missing dist/index.d.ts',
      'ships test file dist/a.test.js',
      'ships test file dist/a.test.d.ts',
    ]);
  });
});

describe('manifestProblems', () => {
  it('flags private packages, local protocols and internal ranges off the released version', () => {
    const v = new Map([['@patchwork/a', '0.2.0']]);
    expect(manifestProblems({ dependencies: { '@patchwork/a': '^0.2.0', zod: '^4.1.0' }, devDependencies: { x: 'workspace:*' } }, v)).toEqual([]);
    expect(manifestProblems({ private: true, dependencies: { '@patchwork/a': 'workspace:^', b: 'file:../b' }, peerDependencies: { '@patchwork/a': '^0.1.0' } }, v)).toEqual([
      'is private',
      "dependencies.@patchwork/a is 'workspace:^', a local protocol",
      "dependencies.b is 'file:../b', a local protocol",
      "peerDependencies.@patchwork/a is '^0.1.0', but the workspace releases 0.2.0",
    ]);
  });
});

it('finds the publishable packages', () => {
  expect(packages.length).toBeGreaterThanOrEqual(11);
});

describe.each(packages.map((p) => [p.name, p.dir] as const))('%s', (name, dir) => {
  it('tarball: dist/index.js, dist/index.d.ts, README.md and no tests', () => {
    const files = tarballFiles(tarballs.get(name)!);
    console.log(`${name}: ${files.length} files in the tarball`);
    expect(contentProblems(files)).toEqual([]);
  });

  it('manifest: publishable, real versions for every dependency', () => {
    const manifest = tarballManifest(tarballs.get(name)!);
    expect(manifest['name']).toBe(name);
    expect(manifestProblems(manifest, versions)).toEqual([]);
  });

  it('publint: no errors', async () => {
    const tarball = fs.readFileSync(tarballs.get(name)!);
    const { messages, pkg } = await publint({ pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) as ArrayBuffer }, level: 'suggestion' });
    const lines = messages.map((m) => `${m.type}: ${formatMessage(m, pkg, { color: false }) ?? m.code}`);
    const count = (t: string) => messages.filter((m) => m.type === t).length;
    console.log(`publint ${name}: ${count('error')} errors, ${count('warning')} warnings, ${count('suggestion')} suggestions${lines.length ? `\n  ${lines.join('\n  ')}` : ''}`);
    expect(lines.filter((l) => l.startsWith('error:'))).toEqual([]);
  });

  it('are the types wrong (esm-only profile): no problems', () => {
    const { ok, problems } = attw(tarballs.get(name)!);
    console.log(`attw ${name}: ${ok ? 'ok' : 'PROBLEMS'}; findings (incl. ignored by the profile): ${problems.join(', ') || 'none'}`);
    expect(ok, problems.join(', ')).toBe(true);
  });

  it('dry-run publish (the command changeset publish runs) publishes this tarball', () => {
    const published = dryRunPublish(dir);
    expect([published.name, published.version]).toEqual([name, versions.get(name)]);
    expect(published.files).toEqual(tarballFiles(tarballs.get(name)!));
  });
});
