#!/usr/bin/env node
import path from 'node:path';
import { runEntry } from '@patchwork/pipeline';
import { buildReport } from './build-report.js';
import { trainerApps } from './trainers.js';

const APP_DIR = path.resolve(import.meta.dirname, '..');
const ROOT = path.resolve(APP_DIR, '../..');

runEntry('patchwork-report', async () => {
  const apps = trainerApps(APP_DIR);
  const file = buildReport(apps, path.join(APP_DIR, 'runs'));
  console.log(`pipeline report of ${apps.length} trainers (Markdown with PNG figures):`);
  console.log(`report: ${path.relative(ROOT, file)}`);
});
