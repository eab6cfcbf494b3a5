import { describe, expect, it } from 'vitest';
import { ProgressBar, formatProgress } from './progress.js';

describe('progress', () => {
  it('formats rate, eta and fields', () => {
    const line = formatProgress('train', 50, 100, 10, { loss: 0.123456, lr: 3e-5 }, 120);
    expect(line).toMatch(/^train \[#+\.+\] 50\/100 5\.00 it\/s eta 10s loss=0\.1235 lr=3\.00e-5$/);
  });

  it('writes plain lines at a bounded rate to non-TTY streams', () => {
    const chunks: string[] = [];
    const stream = { write: (s: string) => chunks.push(s) > 0, isTTY: false } as unknown as NodeJS.WritableStream;
    const bar = new ProgressBar({ total: 100, stream, every: 25 });
    for (let i = 1; i <= 100; i++) bar.update(i);
    expect(chunks).toHaveLength(4);
    expect(chunks.at(-1)).toMatch(/100\/100/);
  });
});
