import fs from 'node:fs';
import path from 'node:path';
import { FormatError, parseConfig } from '@patchwork/tensor-core';
import { encodePng } from '@patchwork/train';
import type { RasterImage } from '@patchwork/train';
import { z } from 'zod';

const CARD_FILE = 'card.json';
const PREVIEW_FILE = 'preview.png';

/** What `prepare-data` records about the data of a run: a caption, a table of facts, a preview image. */
const DataCardSchema = z.strictObject({
  /** One sentence: what the data is and where it comes from. */
  description: z.string().min(1),
  /** `[fact, value]` rows (split sizes, class balance, source files …). */
  facts: z.array(z.tuple([z.string(), z.string()])).min(1),
});

export type DataCard = z.output<typeof DataCardSchema>;

/** Write `dir/card.json` and `dir/preview.png`. */
export function writeDataCard(dir: string, card: DataCard, preview: RasterImage): void {
  const parsed = parseConfig(DataCardSchema, card, 'data card');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, PREVIEW_FILE), encodePng(preview));
  fs.writeFileSync(path.join(dir, CARD_FILE), `${JSON.stringify(parsed, null, 2)}\n`);
}

/**
 * Read the data card of `dataDir` and copy its preview into `evalDir` as `data.png`; returns the
 * table and figure entries for the eval summary.
 */
export function dataCardSections(dataDir: string, evalDir: string): { table: { title: string; columns: string[]; rows: string[][] }; figure: { file: string; caption: string } } {
  const file = path.join(dataDir, CARD_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new FormatError(`${file}: cannot read the data card (${(err as Error).message}); run the prepare-data task first`, { cause: err });
  }
  const card = parseConfig(DataCardSchema, raw, file);
  fs.copyFileSync(path.join(dataDir, PREVIEW_FILE), path.join(evalDir, 'data.png'));
  return {
    table: { title: 'Data', columns: ['data', 'value'], rows: card.facts.map(([k, v]) => [k, v]) },
    figure: { file: 'data.png', caption: card.description },
  };
}
