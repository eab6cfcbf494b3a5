import fs from 'node:fs';
import path from 'node:path';

/** Append-only JSON-lines metrics log (one object per line), safe to resume into. */
export class JsonlLog {
  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }

  write(record: Record<string, unknown>): void {
    fs.appendFileSync(this.file, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
  }

  /** Every record written so far; a torn last line (a kill mid-write) is skipped. */
  read(): Record<string, unknown>[] {
    if (!fs.existsSync(this.file)) return [];
    const out: Record<string, unknown>[] = [];
    for (const line of fs.readFileSync(this.file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // A partially written final line from an interrupted run.
      }
    }
    return out;
  }

  /** Drop records with `step` beyond `step` (used when resuming from an older checkpoint). */
  truncateAfter(step: number): void {
    const keep = this.read().filter((r) => typeof r.step !== 'number' || r.step <= step);
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, keep.map((r) => JSON.stringify(r)).join('\n') + (keep.length > 0 ? '\n' : ''));
    fs.renameSync(tmp, this.file);
  }
}
