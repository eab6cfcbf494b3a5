import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlLog } from '@patchwork/train';
import { curve, readCurves, writeCurves } from './curves.js';

describe('training curves', () => {
  it('copy log.jsonl without its wall-clock time and the dropped fields, identically for identical runs', () => {
    const files = [0, 1].map(() => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-curves-'));
      const log = new JsonlLog(path.join(dir, 'log.jsonl'));
      log.write({ step: 1, loss: 2.5, stage: '1a' });
      log.write({ step: 2, loss: 2.25, stage: '1b' });
      log.write({ step: 2, psnr: 14, eval: { psnr: 14, seconds: Math.random() } });
      return writeCurves(dir, { drop: ['seconds'] });
    });
    expect(fs.readFileSync(files[0]!, 'utf8')).toBe(fs.readFileSync(files[1]!, 'utf8'));
    const records = readCurves(path.dirname(files[0]!));
    expect(records).toEqual([{ step: 1, loss: 2.5, stage: '1a' }, { step: 2, loss: 2.25, stage: '1b' }, { step: 2, psnr: 14, eval: { psnr: 14 } }]);
    expect(curve(records, 'loss')).toEqual([[1, 2.5], [2, 2.25]]);
    expect(curve(records, 'loss', (r) => r.stage === '1b')).toEqual([[2, 2.25]]);
    expect(curve(records, 'psnr')).toEqual([[2, 14]]);
  });

  it('name the missing or corrupt file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-curves-'));
    expect(() => writeCurves(dir)).toThrow(/log\.jsonl does not exist/);
    expect(() => readCurves(dir)).toThrow(/curves\.json: cannot read the training curves/);
    fs.writeFileSync(path.join(dir, 'curves.json'), '{"step": 1}');
    expect(() => readCurves(dir)).toThrow(/expected an array of records/);
  });
});
