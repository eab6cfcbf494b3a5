import fs from 'node:fs';
import path from 'node:path';
import { FormatError, parseConfig } from '@patchwork/tensor-core';
import { z } from 'zod';

/** Name of the file each trainer's `eval` task writes into its eval folder. */
export const SUMMARY_FILE = 'summary.json';

const TableSchema = z
  .strictObject({
    title: z.string().min(1),
    columns: z.array(z.string()).min(1),
    rows: z.array(z.array(z.string())),
  })
  .superRefine((t, ctx) => {
    t.rows.forEach((row, i) => {
      if (row.length !== t.columns.length) ctx.addIssue({ code: 'custom', path: ['rows', i], message: `has ${row.length} cells, the table has ${t.columns.length} columns` });
    });
  });

const FigureSchema = z.strictObject({
  /** A PNG next to `summary.json` (a plain file name). */
  file: z.string().regex(/^[\w.-]+\.png$/, { message: 'must be a plain file name ending in .png' }),
  caption: z.string().min(1),
});

/**
 * What a trainer's `eval` task hands to the report (`summary.json`): text already formatted for
 * Markdown, raw numbers for tools, and figures stored next to the file. Nothing in it may depend
 * on the wall clock, so a repeated seeded run yields the same summary.
 */
export const EvalSummarySchema = z.strictObject({
  /** The trainer's folder under `apps/`, e.g. `classify`. */
  app: z.string().regex(/^[a-z0-9-]+$/, { message: 'must be a folder name (lower case, digits, dashes)' }),
  title: z.string().min(1),
  /** One Markdown paragraph: model, data, training length. */
  description: z.string().min(1),
  /** The numbers shown in the report's overview table, formatted. */
  headline: z.array(z.strictObject({ label: z.string().min(1), value: z.string().min(1) })).min(1),
  /** The same results as plain numbers; a NaN (e.g. the IoU of a class absent from the split) is stored as null. */
  metrics: z.record(z.string(), z.number().nullable()),
  tables: z.array(TableSchema).default([]),
  figures: z.array(FigureSchema).default([]),
});

export type EvalSummary = z.output<typeof EvalSummarySchema>;
/** What {@link writeSummary} takes: metrics may hold NaN / ±Infinity, stored as null. */
export type EvalSummaryInput = Omit<z.input<typeof EvalSummarySchema>, 'metrics'> & { metrics: Record<string, number | null> };

/**
 * Validate `summary` and write it as `dir/summary.json`; every figure it names must already be in
 * `dir`. Returns the file written.
 */
export function writeSummary(dir: string, summary: EvalSummaryInput): string {
  const metrics = Object.fromEntries(Object.entries(summary.metrics).map(([k, v]) => [k, v === null || !Number.isFinite(v) ? null : v]));
  const parsed = parseConfig(EvalSummarySchema, { ...summary, metrics }, 'eval summary');
  checkFigures(dir, parsed, 'eval summary');
  const file = path.join(dir, SUMMARY_FILE);
  fs.writeFileSync(file, `${JSON.stringify(parsed, null, 2)}\n`);
  return file;
}

/** Read and validate a `summary.json`, checking that its figures exist; errors name the file. */
export function readSummary(file: string): EvalSummary {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new FormatError(`${file}: cannot read the eval summary (${(err as Error).message})`, { cause: err });
  }
  const parsed = parseConfig(EvalSummarySchema, raw, file);
  checkFigures(path.dirname(file), parsed, file);
  return parsed;
}

function checkFigures(dir: string, summary: EvalSummary, label: string): void {
  const missing = summary.figures.filter((f) => !fs.existsSync(path.join(dir, f.file))).map((f) => f.file);
  if (missing.length > 0) throw new FormatError(`${label}: figure file(s) missing in ${dir}: ${missing.join(', ')}`);
}
