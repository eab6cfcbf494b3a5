import fs from 'node:fs';
import path from 'node:path';
import { PatchworkError } from '@patchwork/tensor-core';

/** Extensions the folder loaders pick up by default (case-insensitive). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.bmp', '.gif', '.tif', '.tiff'] as const;

/** A file a loader could not use, and why. */
export interface SkippedFile {
  file: string;
  reason: string;
}

/** Entries of a folder sorted by code point (Python's `sorted`, so class indices match torchvision). */
export function sortedEntries(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (err) {
    throw new PatchworkError('E_FILE', `${dir}: cannot list folder (${(err as Error).message})`, { cause: err });
  }
}

/** Every file under `dir` (recursively, sorted, hidden entries skipped) whose extension is in `extensions`. */
export function listFiles(dir: string, extensions: readonly string[]): string[] {
  const wanted = new Set(extensions.map((e) => e.toLowerCase()));
  const out: string[] = [];
  for (const entry of sortedEntries(dir)) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full, extensions));
    else if (wanted.has(path.extname(entry.name).toLowerCase())) out.push(full);
  }
  return out;
}

/**
 * Read item `index` with `load`; in `'skip'` mode a failure is recorded in `skipped` (once per
 * file) and the next readable item is returned instead, so batches keep their size and stay
 * deterministic. Throws when every item fails.
 */
export async function loadOrSkip<T>(
  index: number,
  count: number,
  onError: 'throw' | 'skip',
  bad: Map<number, SkippedFile>,
  fileOf: (i: number) => string,
  load: (i: number) => Promise<T>,
): Promise<T> {
  for (let k = 0; k < count; k++) {
    const i = (index + k) % count;
    if (bad.has(i)) continue;
    try {
      return await load(i);
    } catch (err) {
      if (onError === 'throw' || !(err instanceof PatchworkError)) throw err;
      bad.set(i, { file: fileOf(i), reason: err.message });
    }
  }
  throw new PatchworkError('E_FILE', `none of the ${count} files could be read; first failure: ${[...bad.values()][0]?.reason ?? 'unknown'}`);
}
