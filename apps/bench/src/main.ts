#!/usr/bin/env node
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PatchworkError } from '@patchwork/tensor-core';
import { argsToConfig } from '@patchwork/train';
import { parseBenchConfig } from './config.js';
import { formatProfile, formatTable } from './report.js';
import { runBench } from './run.js';
import { WORKLOAD_IDS } from './workloads.js';

const HELP = `patchwork-bench [--workloads all|ID,...] [--iters 5] [--warmup 1] [--smoke] [--leak-check] [--leak-steps 10,1000]
                [--profile] [--profile-top 8] [--no-torch] [--python /usr/bin/python3] [--threads N]
                [--timeout-s 900] [--peak-gflops 157] [--machine LABEL] [--out-dir results] [--no-write]
Times each workload through the real @patchwork/* models and the same architectures in PyTorch
(tooling/bench-torch), alternating sides, and writes <out-dir>/<yyyy-mm-dd>.json (out-dir relative
to apps/bench). Workloads: ${WORKLOAD_IDS.join(', ')}.`;

/** apps/bench, from src/ or dist/. */
const APP_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return;
  }
  const cfg = parseBenchConfig(argsToConfig(argv));
  const results = await runBench(cfg, { isolate: true, log: (line) => console.log(line) });
  console.log(`\n${formatTable(results)}`);
  for (const w of results.workloads) if (w.profile !== null) console.log(`\n${formatProfile(w.id, w.profile)}`);
  if (cfg.write) {
    const file = path.join(path.resolve(APP_ROOT, cfg.outDir), `${results.date}.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nwrote ${path.relative(process.cwd(), file) || file}`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`patchwork-bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(err instanceof PatchworkError ? 2 : 1);
  },
);
