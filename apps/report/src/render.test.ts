import { describe, expect, it } from 'vitest';
import type { EvalSummary } from '@patchwork/pipeline';
import { renderReport } from './render.js';

const summary = (app: string, extra: Partial<EvalSummary> = {}): EvalSummary => ({
  app,
  title: `Run of ${app}`,
  description: `What ${app} did.`,
  headline: [{ label: 'score', value: '1.00' }],
  metrics: { score: 1 },
  tables: [],
  figures: [],
  ...extra,
});

describe('renderReport', () => {
  it('writes an overview row per trainer, then its section with tables and figures', () => {
    const md = renderReport([
      { summary: summary('a', { tables: [{ title: 'Per class', columns: ['class', 'acc'], rows: [['x|y', '50%']] }], figures: [{ file: 'loss.png', caption: 'Loss' }] }), figureDir: 'figures/a' },
      { summary: summary('b', { headline: [{ label: 'mIoU', value: '40%' }, { label: 'aAcc', value: '90%' }] }), figureDir: 'figures/b' },
    ]);
    expect(md).toContain('| `apps/a` | Run of a | score: **1.00** |');
    expect(md).toContain('| `apps/b` | Run of b | mIoU: **40%**; aAcc: **90%** |');
    expect(md).toContain('## Run of a\n\n`apps/a` · What a did.');
    expect(md).toContain('### Per class\n\n| class | acc |\n|---|---|\n| x\\|y | 50% |');
    expect(md).toContain('![Loss](figures/a/loss.png)\n\n*Loss*');
    expect(md.indexOf('## Run of a')).toBeLessThan(md.indexOf('## Run of b'));
  });

  it('is a pure function of the summaries (no dates or timings), so turbo can cache it', () => {
    const sections = [{ summary: summary('a'), figureDir: 'figures/a' }];
    expect(renderReport(sections)).toBe(renderReport(structuredClone(sections)));
    expect(renderReport(sections)).not.toMatch(/\b20\d\d-\d\d-\d\d\b/);
  });
});
