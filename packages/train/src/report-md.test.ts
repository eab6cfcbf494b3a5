import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSection, writeReportMarkdown } from './report-md.js';

describe('report markdown', () => {
  it('tabulates a config as JSON values and writes report.md', () => {
    expect(configSection({ lr: 0.001, model: 'vit', sizes: [1, 2] })).toBe('## Config\n\n| key | value |\n|---|---|\n| lr | 0.001 |\n| model | "vit" |\n| sizes | [1,2] |\n');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-md-'));
    const file = writeReportMarkdown(dir, '# r\n');
    expect(file).toBe(path.join(dir, 'report.md'));
    expect(fs.readFileSync(file, 'utf8')).toBe('# r\n');
  });
});
