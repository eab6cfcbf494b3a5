import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The environment without the npm_* variables a parent npm/pnpm run injects (they confuse nested package managers). */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
}

/** Workspace root (the folder with pnpm-workspace.yaml). */
export const ROOT = path.resolve(import.meta.dirname, '../../..');

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
}

/** Map package name → folder for every publishable (not `private`) workspace package under packages/. */
export function workspacePackages(): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of fs.readdirSync(path.join(ROOT, 'packages')).sort()) {
    const manifestPath = path.join(ROOT, 'packages', dir, 'package.json');
    if (!fs.existsSync(manifestPath)) continue;
    const m = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Manifest;
    if (m.private !== true) out.set(m.name, path.join(ROOT, 'packages', dir));
  }
  return out;
}

/** The package and its internal dependencies, transitively. */
export function internalClosure(name: string, pkgs = workspacePackages()): string[] {
  const seen = new Set<string>();
  const visit = (n: string): void => {
    if (seen.has(n)) return;
    const dir = pkgs.get(n);
    if (dir === undefined) throw new Error(`${n} is not a workspace package`);
    seen.add(n);
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
    for (const dep of Object.keys(m.dependencies ?? {})) if (pkgs.has(dep)) visit(dep);
  };
  visit(name);
  return [...seen];
}

/**
 * `pnpm pack` every publishable workspace package once into `outDir` (pnpm rewrites `workspace:^`
 * to real versions, as `pnpm publish` does) and return name → tarball path.
 */
export function packAll(outDir: string, pkgs = workspacePackages()): Map<string, string> {
  const tarballs = new Map<string, string>();
  for (const [name, dir] of pkgs) {
    const out = execFileSync('pnpm', ['pack', '--pack-destination', outDir], { cwd: dir, encoding: 'utf8', env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const file = out.trim().split('\n').pop()!.trim();
    tarballs.set(name, path.isAbsolute(file) ? file : path.join(outDir, path.basename(file)));
  }
  return tarballs;
}
