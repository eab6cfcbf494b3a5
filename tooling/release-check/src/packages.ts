import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Workspace root (the folder with pnpm-workspace.yaml). */
export const ROOT = path.resolve(import.meta.dirname, '../../..');

export interface PublishablePackage {
  name: string;
  dir: string;
}

/** Every package under packages/ that is not `private` (what `changeset publish` would publish). */
export function publishablePackages(): PublishablePackage[] {
  const out: PublishablePackage[] = [];
  for (const entry of fs.readdirSync(path.join(ROOT, 'packages')).sort()) {
    const manifest = path.join(ROOT, 'packages', entry, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    const m = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name: string; private?: boolean };
    if (m.private !== true) out.push({ name: m.name, dir: path.dirname(manifest) });
  }
  return out;
}

/** The environment without the npm_* variables a parent npm/pnpm run injects (they confuse nested package managers). */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
}

/**
 * The files `npm pack --dry-run` would put in the tarball (same `files` / `.npmignore` rules as
 * publishing; nothing is written or published). npm rather than pnpm: pnpm 12 first resolves the
 * root `packageManager` pin against the registry, which fails offline.
 */
export function dryRunPackFiles(dir: string): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8', env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const [info] = JSON.parse(out) as [{ files: { path: string }[] }];
  return info.files.map((f) => f.path).sort();
}

/** Problems with a tarball's contents: missing entry files and README, shipped tests. */
export function contentProblems(files: string[]): string[] {
  const problems: string[] = [];
  for (const required of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts']) {
    if (!files.includes(required)) problems.push(`missing ${required}`);
  }
  const tests = files.filter((f) => /(^|\/)__tests__\//.test(f) || /\.(test|spec)\.[cm]?[jt]sx?(\.map)?$/.test(f) || /\.(test|spec)\.d\.[cm]?ts(\.map)?$/.test(f));
  for (const t of tests) problems.push(`ships test file ${t}`);
  return problems;
}

/**
 * `attw --pack DIR --profile esm-only`: its exit status says whether any problem is left under the
 * profile; `problems` lists every finding kind (those the profile ignores included) for the log.
 */
export function attw(dir: string): { ok: boolean; problems: string[] } {
  const bin = path.join(import.meta.dirname, '../node_modules/.bin/attw');
  const res = spawnSync(bin, ['--pack', dir, '--profile', 'esm-only', '--format', 'json'], { cwd: dir, encoding: 'utf8', env: cleanEnv(), maxBuffer: 64 * 1024 * 1024 });
  if (res.error) throw res.error;
  let problems: string[] = [];
  try {
    const json = JSON.parse(res.stdout) as { problems?: Record<string, unknown[]> };
    problems = Object.keys(json.problems ?? {});
  } catch {
    throw new Error(`attw gave no JSON for ${dir} (exit ${res.status}):\n${res.stdout}\n${res.stderr}`);
  }
  return { ok: res.status === 0, problems };
}
