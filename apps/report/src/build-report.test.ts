import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PIPELINE_DIRS, writeSummary } from '@patchwork/pipeline';
import { describe, expect, it } from 'vitest';
import { buildReport } from './build-report.js';

function fakeApp(root: string, app: string): { name: string; dir: string } {
  const dir = path.join(root, app);
  const evalDir = path.join(dir, PIPELINE_DIRS.eval);
  fs.mkdirSync(evalDir, { recursive: true });
  fs.writeFileSync(path.join(evalDir, 'loss.png'), `png of ${app}`);
  writeSummary(evalDir, { app, title: app, description: 'd', headline: [{ label: 'l', value: 'v' }], metrics: { x: 1 }, figures: [{ file: 'loss.png', caption: 'c' }] });
  return { name: `@patchwork/app-${app}`, dir };
}

describe('buildReport', () => {
  it('copies every trainer’s figures next to the report and writes the combined summary, replacing an old report', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'report-'));
    const apps = [fakeApp(root, 'one'), fakeApp(root, 'two')];
    const out = path.join(root, 'out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'stale.md'), 'old');
    const file = buildReport(apps, out);
    expect(file).toBe(path.join(out, 'report.md'));
    expect(fs.readFileSync(path.join(out, 'figures/two/loss.png'), 'utf8')).toBe('png of two');
    expect(fs.readFileSync(file, 'utf8')).toContain('![c](figures/one/loss.png)');
    expect((JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as { app: string }[]).map((s) => s.app)).toEqual(['one', 'two']);
    expect(fs.existsSync(path.join(out, 'stale.md'))).toBe(false);
  });

  it('says how to produce a missing summary and refuses two trainers with one name', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'report-'));
    expect(() => buildReport([{ name: '@patchwork/app-none', dir: path.join(root, 'none') }], path.join(root, 'out'))).toThrow(/summary\.json does not exist: run the pipeline with `pnpm start`/);
    const one = fakeApp(root, 'one');
    expect(() => buildReport([one, one], path.join(root, 'out'))).toThrow(/two trainers report as 'one'/);
  });
});
