// Release gate for every publishable package under packages/ (built first: turbo's `test` depends
// on `^build`, and every package is a devDependency of this one):
// 1. dry-run publish (`npm pack --dry-run`): the tarball must contain dist/index.js,
//    dist/index.d.ts, README.md and no test files;
// 2. publint (packing with npm, so it also sees files that exist but are not published): no errors;
//    warnings and suggestions are printed;
// 3. @arethetypeswrong/cli (`attw --pack`, offline) under the `esm-only` profile: the packages are
//    ESM-only by design, so only "require() gets ESM" findings are expected and ignored.
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { attw, contentProblems, dryRunPackFiles, publishablePackages } from './packages.js';

const packages = publishablePackages();

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

it('finds the publishable packages', () => {
  expect(packages.length).toBeGreaterThanOrEqual(11);
});

describe.each(packages.map((p) => [p.name, p.dir] as const))('%s', (name, dir) => {
  it('dry-run publish: the tarball has dist/index.js, dist/index.d.ts, README.md and no tests', () => {
    expect(fs.existsSync(path.join(dir, 'dist/index.js')), `${name} is not built (run turbo build)`).toBe(true);
    const files = dryRunPackFiles(dir);
    console.log(`${name}: ${files.length} files in the tarball`);
    expect(contentProblems(files)).toEqual([]);
  });

  it('publint: no errors', async () => {
    const { messages, pkg } = await publint({ pkgDir: dir, pack: 'npm', level: 'suggestion' });
    const lines = messages.map((m) => `${m.type}: ${formatMessage(m, pkg, { color: false }) ?? m.code}`);
    const count = (t: string) => messages.filter((m) => m.type === t).length;
    console.log(`publint ${name}: ${count('error')} errors, ${count('warning')} warnings, ${count('suggestion')} suggestions${lines.length ? `\n  ${lines.join('\n  ')}` : ''}`);
    expect(lines.filter((l) => l.startsWith('error:'))).toEqual([]);
  });

  it('are the types wrong (esm-only profile): no problems', () => {
    const { ok, problems } = attw(dir);
    console.log(`attw ${name}: ${ok ? 'ok' : 'PROBLEMS'}; findings (incl. ignored by the profile): ${problems.join(', ') || 'none'}`);
    expect(ok, problems.join(', ')).toBe(true);
  });
});
