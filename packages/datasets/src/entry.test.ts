import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.dirname(new URL(import.meta.url).pathname);

/** Every module reachable from `entry` through relative imports, plus the bare specifiers they import. */
function importGraph(entry: string): { files: Set<string>; bare: Set<string> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+'([^']+)'/g)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
      else bare.add(spec);
    }
  };
  visit(path.join(SRC, entry));
  return { files, bare };
}

describe('package entries', () => {
  it('keeps the main entry browser-safe: no node: modules, sharp or Node-only files', () => {
    const { files, bare } = importGraph('index.ts');
    expect([...bare].sort()).toEqual(['@patchwork/tensor-core', 'zod']);
    expect([...files].filter((f) => f.includes(`${path.sep}node${path.sep}`) || f.endsWith('-files.ts'))).toEqual([]);
  });

  it('puts fs, zlib, network and sharp code behind ./node', () => {
    const { bare } = importGraph('node.ts');
    expect(bare).toContain('sharp');
    expect([...bare].some((b) => b.startsWith('node:'))).toBe(true);
  });
});
