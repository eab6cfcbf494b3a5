import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TorchInstall } from './sides.js';

/** `tooling/bench-torch/worker.py`, next to this app in the repo (from src/ or dist/ alike). */
export const TORCH_WORKER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../tooling/bench-torch/worker.py');

/** The PyTorch builds a run compares against, and why a column is empty. */
export interface TorchSelection {
  /** Debian's python3-torch 1.13. */
  torch113: TorchInstall | null;
  /** The newest torch ≥ 2 the same interpreter can import (none by default). */
  torch2: TorchInstall | null;
  /** Column → reason it stays empty. */
  skipped: Record<string, string>;
}

/**
 * Find the torch installs `python` can import (`worker.py --list`: every `torch/` on its sys.path,
 * read from `torch/version.py` without importing) and pick the 1.13 and the newest 2.x.
 */
export function detectTorch(python: string): TorchSelection {
  const run = spawnSync(python, [TORCH_WORKER, '--list'], { encoding: 'utf8', timeout: 60_000 });
  if (run.error !== undefined || run.status !== 0) {
    const why = run.error?.message ?? run.stderr.trim().split('\n').at(-1) ?? `exit ${run.status}`;
    return { torch113: null, torch2: null, skipped: { torch113: `${python} failed: ${why}`, torch2: `${python} failed: ${why}` } };
  }
  const installs = JSON.parse(run.stdout) as TorchInstall[];
  return selectTorch(python, installs);
}

/** Pick the columns from a list of installs (see {@link detectTorch}). */
export function selectTorch(python: string, installs: TorchInstall[]): TorchSelection {
  const major = (v: string): number => Number(v.split('.')[0]);
  const torch113 = installs.find((i) => i.version.startsWith('1.13')) ?? null;
  const newer = installs.filter((i) => major(i.version) >= 2).sort((a, b) => compareVersions(b.version, a.version));
  const torch2 = newer[0] ?? null;
  const skipped: Record<string, string> = {};
  const seen = installs.length === 0 ? 'no torch on its sys.path' : `found ${installs.map((i) => `${i.version} in ${i.root}`).join(', ')}`;
  if (torch113 === null) skipped['torch113'] = `${python} cannot import a torch 1.13 (${seen})`;
  if (torch2 === null) skipped['torch2'] = `${python} cannot import a torch ≥ 2 (${seen})`;
  return { torch113, torch2, skipped };
}

/** Numeric comparison of dotted versions (`2.13.0+cpu` > `2.9.1`); non-numeric tails are ignored. */
function compareVersions(a: string, b: string): number {
  const parts = (v: string): number[] => v.split(/[.+]/).map((p) => Number.parseInt(p, 10) || 0);
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
