import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Workspace root (the folder with pnpm-workspace.yaml). */
export const ROOT = path.resolve(import.meta.dirname, '../../..');

export interface PublishablePackage {
  name: string;
  version: string;
  dir: string;
}

/** Every package under packages/ that is not `private` (what `changeset publish` would publish). */
export function publishablePackages(): PublishablePackage[] {
  const out: PublishablePackage[] = [];
  for (const entry of fs.readdirSync(path.join(ROOT, 'packages')).sort()) {
    const manifest = path.join(ROOT, 'packages', entry, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    const m = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name: string; version: string; private?: boolean };
    if (m.private !== true) out.push({ name: m.name, version: m.version, dir: path.dirname(manifest) });
  }
  return out;
}

/** The environment without the npm_* variables a parent npm/pnpm run injects (they confuse nested package managers). */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
}

/**
 * `pnpm pack` the package into `outDir`, as `pnpm publish` (run by `changeset publish`) packs it:
 * same `files` rules, `workspace:` ranges rewritten to real versions. Returns the tarball path.
 */
export function packTarball(dir: string, outDir: string): string {
  const out = execFileSync('pnpm', ['pack', '--pack-destination', outDir], { cwd: dir, encoding: 'utf8', env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const file = out.trim().split('\n').pop()!.trim();
  return path.isAbsolute(file) ? file : path.join(outDir, path.basename(file));
}

/** Paths inside a tarball, without npm's `package/` prefix, sorted. */
export function tarballFiles(tarball: string): string[] {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.startsWith('package/') && !l.endsWith('/'))
    .map((l) => l.slice('package/'.length))
    .sort();
}

/** The `package.json` a tarball would publish. */
export function tarballManifest(tarball: string): Record<string, unknown> {
  return JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as Record<string, unknown>;
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

const RUNTIME_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies'] as const;

/**
 * Problems with a packed manifest that users would hit on install: `private`, local protocols
 * (`workspace:`, `link:`, `file:`, `catalog:`) left in runtime dependencies, and internal
 * dependencies whose range is not the version being released alongside (`versions`: name → version).
 */
export function manifestProblems(manifest: Record<string, unknown>, versions: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  if (manifest['private'] === true) problems.push('is private');
  for (const field of RUNTIME_FIELDS) {
    const deps = (manifest[field] ?? {}) as Record<string, string>;
    for (const [dep, range] of Object.entries(deps)) {
      if (/^(workspace|link|file|catalog):/.test(range)) problems.push(`${field}.${dep} is '${range}', a local protocol`);
      else if (versions.has(dep) && range !== `^${versions.get(dep)}` && range !== versions.get(dep)) problems.push(`${field}.${dep} is '${range}', but the workspace releases ${versions.get(dep)}`);
    }
  }
  return problems;
}

/**
 * The command `changeset publish` runs for each package (`pnpm publish --json --access public
 * --tag latest --no-git-checks`), with `--dry-run`: pnpm packs and validates everything and
 * uploads nothing. Returns what it would publish.
 */
export function dryRunPublish(dir: string): { name: string; version: string; files: string[] } {
  const res = spawnSync('pnpm', ['publish', '--dry-run', '--json', '--access', 'public', '--tag', 'latest', '--no-git-checks'], { cwd: dir, encoding: 'utf8', env: cleanEnv() });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`pnpm publish --dry-run failed in ${dir} (exit ${res.status}):\n${res.stdout}\n${res.stderr}`);
  const info = JSON.parse(res.stdout) as { name: string; version: string; files: { path: string }[] };
  return { name: info.name, version: info.version, files: info.files.map((f) => f.path).sort() };
}

/**
 * `attw <tarball> --profile esm-only`: its exit status says whether any problem is left under the
 * profile; `problems` lists every finding kind (those the profile ignores included) for the log.
 */
export function attw(tarball: string): { ok: boolean; problems: string[] } {
  const bin = path.join(import.meta.dirname, '../node_modules/.bin/attw');
  const res = spawnSync(bin, [tarball, '--profile', 'esm-only', '--format', 'json'], { encoding: 'utf8', env: cleanEnv(), maxBuffer: 64 * 1024 * 1024 });
  if (res.error) throw res.error;
  let problems: string[] = [];
  try {
    const json = JSON.parse(res.stdout) as { problems?: Record<string, unknown[]> };
    problems = Object.keys(json.problems ?? {});
  } catch {
    throw new Error(`attw gave no JSON for ${tarball} (exit ${res.status}):\n${res.stdout}\n${res.stderr}`);
  }
  return { ok: res.status === 0, problems };
}
