/** Options for {@link ProgressBar}. */
export interface ProgressOptions {
  total: number;
  label?: string;
  /** Where to draw; default process.stderr. Non-TTY streams get one line per `every` updates. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  every?: number;
}

/**
 * A dependency-free progress bar: `label [#####.....] 50/100 2.3 it/s eta 21s loss=0.41`.
 * Redraws in place on a TTY and prints plain lines otherwise (CI logs).
 */
export class ProgressBar {
  private readonly started = Date.now();
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private last = 0;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
  }

  /** Draw progress at `done` with extra `key=value` fields. */
  update(done: number, fields: Record<string, number | string> = {}): void {
    const { total, label = '', every = Math.max(1, Math.round(total / 20)) } = this.options;
    const tty = this.stream.isTTY === true;
    if (!tty && done !== total && done - this.last < every) return;
    this.last = done;
    const line = formatProgress(label, done, total, (Date.now() - this.started) / 1000, fields, tty ? (this.stream.columns ?? 80) : 120);
    this.stream.write(tty ? `\r${line}\x1b[K${done === total ? '\n' : ''}` : `${line}\n`);
  }
}

/** Render one progress line (pure; exported for tests). */
export function formatProgress(label: string, done: number, total: number, seconds: number, fields: Record<string, number | string>, width: number): string {
  const rate = seconds > 0 ? done / seconds : 0;
  const eta = rate > 0 ? (total - done) / rate : Number.POSITIVE_INFINITY;
  const extra = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v) : v}`)
    .join(' ');
  const stats = `${done}/${total} ${rate.toFixed(2)} it/s eta ${formatSeconds(eta)} ${extra}`.trim();
  const barWidth = Math.max(10, Math.min(30, width - label.length - stats.length - 5));
  const filled = total > 0 ? Math.round((barWidth * Math.min(done, total)) / total) : barWidth;
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${stats}`.trim();
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toFixed(4).replace(/\.?0+$/, '');
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
