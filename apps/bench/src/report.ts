import type { BenchResults, ProfileSummary } from './schema.js';

/** Three significant figures or more: 1234, 123, 12.3, 1.23, 0.123. */
const fmt = (v: number | null): string => (v === null ? '–' : v.toFixed(Math.max(0, Math.min(3, 2 - Math.floor(Math.log10(Math.abs(v) || 1))))));
const mib = (v: number | null): string => (v === null ? '–' : v.toFixed(0));
const ratio = (v: number | null): string => (v === null ? '–' : `${v.toFixed(2)}×`);

/** The results as a Markdown table (what the CLI prints and the README quotes). */
export function formatTable(r: BenchResults): string {
  const lines = [
    `${r.date} · ${r.machine} · ${r.cpu}, ${r.cores} cores · Patchwork on ${r.backend} (${r.threads} threads, simd ${r.simd}) · ` +
      `torch 1.13: ${r.torch113?.version ?? 'absent'} · torch 2: ${r.torch2?.version ?? 'absent'} · ` +
      `load avg ${r.loadAvg.start.map((l) => l.toFixed(1)).join('/')} → ${r.loadAvg.end.map((l) => l.toFixed(1)).join('/')} · ` +
      `median of ${r.iters} after ${r.warmup} warm-up`,
    '',
    '| workload | unit | Patchwork | torch 1.13 | vs 1.13 | torch 2 | vs 2 | tfjs-node | GFLOP/s | % peak | peak RSS MiB (pw / t1.13) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const w of r.workloads) {
    lines.push(
      `| ${w.id} | ${w.unit} | ${fmt(w.patchwork)} | ${fmt(w.torch113)} | ${ratio(w.ratioVsTorch113)} | ${fmt(w.torch2)} | ${ratio(w.ratioVsTorch2)} | ` +
        `${fmt(w.tensorflow)} | ${fmt(w.gflops)} | ${fmt(w.pctPeak)}% | ${mib(w.peakRssMiB)} / ${mib(w.torch113PeakRssMiB)} |`,
    );
  }
  const notes = Object.entries(r.skipped).map(([column, why]) => `- ${column}: ${why}`);
  if (notes.length > 0) lines.push('', 'Skipped:', ...notes);
  const remarks = r.workloads.flatMap((w) => [
    ...(w.note === null ? [] : [`- ${w.id}: ${w.note}`]),
    ...Object.entries(w.errors).map(([side, why]) => `- ${w.id}: ${side} failed: ${why}`),
  ]);
  if (remarks.length > 0) lines.push('', 'Notes:', ...remarks);
  const leaks = r.workloads.filter((w) => w.leak !== null);
  if (leaks.length > 0) {
    lines.push('', 'Leak check (live tensors):');
    for (const w of leaks) {
      const l = w.leak!;
      lines.push(`- ${w.id}: ${l.numTensors[0]} after step ${l.steps[0]}, ${l.numTensors[1]} after step ${l.steps[1]} — ${l.ok ? 'ok' : 'LEAK'}`);
    }
  }
  return lines.join('\n');
}

/** A profile as Markdown: kernel totals and the heaviest kernel calls. */
export function formatProfile(id: string, p: ProfileSummary): string {
  const pct = (s: number): string => `${(100 * s).toFixed(1)}%`;
  return [
    `${id}: ${p.wallMs.toFixed(0)} ms wall (profiled), ${p.kernelMs.toFixed(0)} ms in kernels (${pct(p.kernelMs / Math.max(p.wallMs, 1e-9))})`,
    '',
    '| kernel | ms | share | calls |',
    '|---|---:|---:|---:|',
    ...p.byKernel.map((k) => `| ${k.kernel} | ${k.ms.toFixed(0)} | ${pct(k.share)} | ${k.calls} |`),
    '',
    '| kernel call (shapes) | ms | share | calls |',
    '|---|---:|---:|---:|',
    ...p.byCall.map((k) => `| ${k.kernel} ${k.shapes} | ${k.ms.toFixed(0)} | ${pct(k.share)} | ${k.calls} |`),
  ].join('\n');
}
