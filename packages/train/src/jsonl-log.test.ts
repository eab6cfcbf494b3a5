import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlLog } from './jsonl-log.js';

describe('JsonlLog', () => {
  it('appends, survives a torn line and truncates on resume', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jsonl-')), 'log.jsonl');
    const log = new JsonlLog(file);
    for (let step = 1; step <= 4; step++) log.write({ step, loss: 1 / step });
    fs.appendFileSync(file, '{"step": 5, "lo');
    expect(log.read().map((r) => r.step)).toEqual([1, 2, 3, 4]);
    log.truncateAfter(2);
    expect(log.read().map((r) => r.step)).toEqual([1, 2]);
  });
});
