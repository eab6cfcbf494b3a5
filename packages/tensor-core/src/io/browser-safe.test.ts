// The main entry must bundle for the browser: no Node built-in may be reachable from src/index.ts
// once package.json's "browser" replacements are applied. Node-only io lives behind src/node.ts.
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as nodeEntry from '../node.js';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(src, '..', 'package.json'), 'utf8')) as { browser?: Record<string, string> };
const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;

// "./dist/platform/node.js" → <src>/platform/node.ts
function sourceOf(distPath: string): string {
  return path.join(src, distPath.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'));
}

const browserSwaps = new Map(Object.entries(pkg.browser ?? {}).map(([from, to]) => [sourceOf(from), sourceOf(to)]));

function isNodeBuiltin(spec: string): boolean {
  return spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!);
}

/** Node built-ins reachable from `entry`, as "file → specifier". */
function nodeImportsReachableFrom(entry: string): string[] {
  const seen = new Set<string>();
  const found: string[] = [];
  const visit = (file: string): void => {
    const real = browserSwaps.get(file) ?? file;
    if (seen.has(real)) return;
    seen.add(real);
    for (const m of fs.readFileSync(real, 'utf8').matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      if (isNodeBuiltin(spec)) found.push(`${path.relative(src, real)} → ${spec}`);
      else if (spec.startsWith('.')) visit(path.resolve(path.dirname(real), spec).replace(/\.js$/, '.ts'));
    }
  };
  visit(entry);
  return found;
}

describe('entry points', () => {
  it('the main entry reaches no Node built-in in a browser bundle', () => {
    expect(nodeImportsReachableFrom(path.join(src, 'index.ts'))).toEqual([]);
  });

  it('the check would notice: the node entry does reach fs', () => {
    expect(nodeImportsReachableFrom(path.join(src, 'node.ts'))).toContain('io/fs-util.ts → node:fs');
  });

  it('the node entry exports the file API', () => {
    for (const fn of ['openSafetensors', 'loadSafetensorsFile', 'writeSafetensorsFile', 'saveCheckpoint', 'loadCheckpoint', 'latestCheckpoint', 'writeFileAtomic']) {
      expect(typeof (nodeEntry as Record<string, unknown>)[fn], fn).toBe('function');
    }
  });
});
