import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fixtureCaseDirs } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';

// What CI promises: the built `patchwork parity` command passes every shipped case of every model.
describe('patchwork parity over every shipped fixture case', () => {
  it('prints one passing JSON line per case and exits 0', () => {
    const cases = fixtureCaseDirs();
    const models = new Set(cases.map((d) => path.basename(path.dirname(d))));
    expect([...models].sort()).toEqual(['flowmo', 'mae', 'mat', 'mobilenetv2', 'vit']);
    const main = path.resolve(import.meta.dirname, '../../dist/main.js');
    // execFileSync throws (failing the test) on a non-zero exit, i.e. on any case out of tolerance.
    const out = execFileSync('node', [main, 'parity', ...cases], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { case: string; pass: boolean; failures: unknown[] });
    expect(lines.map((l) => l.case)).toEqual(cases.map((d) => `${path.basename(path.dirname(d))}/${path.basename(d)}`));
    for (const l of lines) expect(l, l.case).toMatchObject({ pass: true, failures: [] });
  }, 600_000);
});
