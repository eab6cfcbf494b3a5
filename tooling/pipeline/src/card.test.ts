import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataCardSections, writeDataCard } from './card.js';

describe('data card', () => {
  it('is written by prepare-data and turned into summary sections by eval', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-card-'));
    const [data, evalDir] = [path.join(root, 'data'), path.join(root, 'eval')];
    fs.mkdirSync(evalDir);
    writeDataCard(data, { description: 'Two pixels.', facts: [['images', '2']] }, { width: 2, height: 1, channels: 1, data: Uint8Array.of(0, 255) });
    const { table, figure } = dataCardSections(data, evalDir);
    expect(table).toEqual({ title: 'Data', columns: ['data', 'value'], rows: [['images', '2']] });
    expect(figure).toEqual({ file: 'data.png', caption: 'Two pixels.' });
    expect(fs.readFileSync(path.join(evalDir, 'data.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('names what is wrong', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-card-'));
    expect(() => writeDataCard(root, { description: '', facts: [] }, { width: 1, height: 1, channels: 1, data: new Uint8Array(1) })).toThrow(/description[\s\S]*facts/);
    expect(() => dataCardSections(root, root)).toThrow(/card\.json: cannot read the data card/);
  });
});
