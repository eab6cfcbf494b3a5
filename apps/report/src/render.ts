import type { EvalSummary } from '@patchwork/pipeline';

/** One trainer's section: its summary and where its figures are, relative to the report. */
export interface Section {
  summary: EvalSummary;
  /** Folder of the copied figures, relative to the report file (e.g. `figures/classify`). */
  figureDir: string;
}

/** Escape a table cell (pipes, line breaks). */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function table(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${columns.map(cell).join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

/**
 * The pipeline report: how it was made, an overview table of every trainer's headline numbers,
 * then one section per trainer with its description, tables and figures. Deterministic: the same
 * summaries give the same text (no dates or timings), so turbo can cache it.
 */
export function renderReport(sections: readonly Section[]): string {
  const overview = table(
    ['trainer', 'run', 'results'],
    sections.map(({ summary: s }) => [`\`apps/${s.app}\``, s.title, s.headline.map((h) => `${h.label}: **${h.value}**`).join('; ')]),
  );
  const parts = sections.map(({ summary: s, figureDir }) => {
    const blocks = [`## ${s.title}`, `\`apps/${s.app}\` · ${s.description}`, table(['result', 'value'], s.headline.map((h) => [h.label, h.value]))];
    for (const t of s.tables) blocks.push(`### ${t.title}`, table(t.columns, t.rows));
    for (const f of s.figures) blocks.push(`![${cell(f.caption)}](${figureDir}/${f.file})\n\n*${f.caption}*`);
    return blocks.join('\n\n');
  });
  return `# Patchwork pipeline report

Made by \`pnpm start\`: for every trainer app turbo runs \`prepare-data\` → \`train\` → \`eval\`, then
writes this report (\`apps/report\`). Each run is seeded and starts from scratch on the data bundled
with the repo; the numbers come from each trainer's \`eval\` step, which reloads the checkpoint that
\`train\` wrote. These are short CPU runs that check the whole path works, not tuned models: each
trainer's README has the longer runs.

${overview}

${parts.join('\n\n')}
`;
}
