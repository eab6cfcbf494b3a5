import fs from 'node:fs';
import path from 'node:path';
import { FormatError } from '@patchwork/tensor-core';
import { JsonlLog } from '@patchwork/train';

/** One record of a training log without its wall-clock `time`. */
export type CurveRecord = Record<string, unknown> & { step?: number };

/** Name of the curves file next to `log.jsonl`. */
export const CURVES_FILE = 'curves.json';

/**
 * Copy `runDir/log.jsonl` to `runDir/curves.json` without the wall-clock `time` of each record and
 * without any field named in `drop` at any depth (a trainer's own timings, e.g. `seconds`). A
 * seeded run writes the same curves every time, so `eval` can hash them as an input and still be
 * a cache hit when training repeats itself. Returns the file written.
 */
export function writeCurves(runDir: string, { drop = [] }: { drop?: readonly string[] } = {}): string {
  const log = path.join(runDir, 'log.jsonl');
  if (!fs.existsSync(log)) throw new FormatError(`${log} does not exist: the training run logged nothing`);
  const strip = (v: unknown, top: boolean): unknown => {
    if (Array.isArray(v)) return v.map((x) => strip(x, false));
    if (typeof v !== 'object' || v === null) return v;
    return Object.fromEntries(Object.entries(v).flatMap(([k, x]) => ((top && k === 'time') || drop.includes(k) ? [] : [[k, strip(x, false)]])));
  };
  const records = new JsonlLog(log).read().map((r) => strip(r, true));
  const file = path.join(runDir, CURVES_FILE);
  fs.writeFileSync(file, `${JSON.stringify(records)}\n`);
  return file;
}

/** Read `runDir/curves.json` (see {@link writeCurves}); errors name the file. */
export function readCurves(runDir: string): CurveRecord[] {
  const file = path.join(runDir, CURVES_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new FormatError(`${file}: cannot read the training curves (${(err as Error).message}); run the train task first`, { cause: err });
  }
  if (!Array.isArray(parsed) || !parsed.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) {
    throw new FormatError(`${file}: expected an array of records`);
  }
  return parsed as CurveRecord[];
}

/** `[step, value]` points of the numeric field `key` over the records that have it and pass `where`. */
export function curve(records: readonly CurveRecord[], key: string, where: (r: CurveRecord) => boolean = () => true): [number, number][] {
  return records.flatMap((r) => (typeof r.step === 'number' && typeof r[key] === 'number' && where(r) ? [[r.step, r[key]] as [number, number]] : []));
}
