import fs from 'node:fs';
import path from 'node:path';

/** A trainer report's `## Config` section: one table row per key, values as JSON. */
export function configSection(config: Record<string, unknown>): string {
  const rows = Object.entries(config).map(([k, v]) => `| ${k} | ${JSON.stringify(v)} |`);
  return `## Config\n\n| key | value |\n|---|---|\n${rows.join('\n')}\n`;
}

/** Write `dir/report.md` and return its path. */
export function writeReportMarkdown(dir: string, markdown: string): string {
  const file = path.join(dir, 'report.md');
  fs.writeFileSync(file, markdown);
  return file;
}
