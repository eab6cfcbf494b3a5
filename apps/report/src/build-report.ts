import fs from 'node:fs';
import path from 'node:path';
import { PIPELINE_DIRS, SUMMARY_FILE, freshDir, readSummary } from '@patchwork/pipeline';
import type { EvalSummary } from '@patchwork/pipeline';
import { PatchworkError } from '@patchwork/tensor-core';
import { renderReport } from './render.js';
import type { TrainerApp } from './trainers.js';

/**
 * Read every trainer's `summary.json` (validated), copy its figures to `outDir/figures/<app>/`,
 * and write `outDir/report.md` plus `outDir/summary.json` (all summaries, for tools). `outDir` is
 * emptied first. Returns the report file.
 */
export function buildReport(apps: readonly TrainerApp[], outDir: string): string {
  const summaries = apps.map((app): EvalSummary => {
    const file = path.join(app.dir, PIPELINE_DIRS.eval, SUMMARY_FILE);
    if (!fs.existsSync(file)) throw new PatchworkError('E_FILE', `${file} does not exist: run the pipeline with \`pnpm start\` (turbo runs ${app.name}#eval before the report)`);
    return readSummary(file);
  });
  const seen = new Set<string>();
  for (const s of summaries) {
    if (seen.has(s.app)) throw new PatchworkError('E_ARGUMENT', `two trainers report as '${s.app}'`);
    seen.add(s.app);
  }
  freshDir(outDir);
  const sections = summaries.map((summary, i) => {
    const figureDir = `figures/${summary.app}`;
    fs.mkdirSync(path.join(outDir, figureDir), { recursive: true });
    for (const f of summary.figures) fs.copyFileSync(path.join(apps[i]!.dir, PIPELINE_DIRS.eval, f.file), path.join(outDir, figureDir, f.file));
    return { summary, figureDir };
  });
  const file = path.join(outDir, 'report.md');
  fs.writeFileSync(file, renderReport(sections));
  fs.writeFileSync(path.join(outDir, 'summary.json'), `${JSON.stringify(summaries, null, 2)}\n`);
  return file;
}
