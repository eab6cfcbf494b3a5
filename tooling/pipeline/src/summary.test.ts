import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSummary, writeSummary } from './summary.js';
import type { EvalSummaryInput } from './summary.js';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-summary-'));

const summary = (): EvalSummaryInput => ({
  app: 'classify',
  title: 'Classification',
  description: 'A small CNN.',
  headline: [{ label: 'test top-1', value: '76.20%' }],
  metrics: { accuracy: 0.762, absent: Number.NaN },
  tables: [{ title: 'Per class', columns: ['class', 'acc'], rows: [['0', '80%']] }],
  figures: [{ file: 'loss.png', caption: 'Training loss' }],
});

describe('eval summary', () => {
  it('round-trips, storing NaN metrics as null', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'loss.png'), '');
    const file = writeSummary(dir, summary());
    const back = readSummary(file);
    expect(back.metrics).toEqual({ accuracy: 0.762, absent: null });
    expect(back.figures).toEqual([{ file: 'loss.png', caption: 'Training loss' }]);
  });

  it('refuses missing figures, ragged tables, unknown keys and bad figure names, naming them', () => {
    const dir = tmp();
    expect(() => writeSummary(dir, summary())).toThrow(/figure file\(s\) missing .*loss\.png/);
    fs.writeFileSync(path.join(dir, 'loss.png'), '');
    expect(() => writeSummary(dir, { ...summary(), tables: [{ title: 't', columns: ['a', 'b'], rows: [['1']] }] })).toThrow(/tables\.0\.rows\.0: has 1 cells, the table has 2 columns/);
    expect(() => writeSummary(dir, { ...summary(), extra: 1 } as EvalSummaryInput)).toThrow(/extra/);
    expect(() => writeSummary(dir, { ...summary(), figures: [{ file: '../x.png', caption: 'c' }] })).toThrow(/figures\.0\.file: must be a plain file name/);
  });

  it('reports an unreadable or invalid file by name', () => {
    const dir = tmp();
    const file = path.join(dir, 'summary.json');
    expect(() => readSummary(file)).toThrow(/summary\.json: cannot read the eval summary/);
    fs.writeFileSync(file, JSON.stringify({ app: 'Bad App' }));
    expect(() => readSummary(file)).toThrow(/app: must be a folder name/);
  });
});
