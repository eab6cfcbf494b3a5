#!/usr/bin/env node
import { PatchworkError, initBackend } from '@patchwork/tensor-core';
import { runParity } from './parity/run.js';
import { modelInfo } from './info/info.js';

const USAGE = `usage:
  patchwork parity <case-dir> [<case-dir> ...]   compare a model with an official fixture case; one JSON line per case
  patchwork info <model-or-preset> [--size N]    parameter count and multiply-adds as JSON
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  await initBackend();
  switch (command) {
    case 'parity': {
      if (rest.length === 0) throw new PatchworkError('E_ARGUMENT', 'parity needs at least one case directory');
      let ok = true;
      for (const dir of rest) {
        const report = await runParity(dir);
        process.stdout.write(`${JSON.stringify(report)}\n`);
        ok &&= report.pass;
      }
      return ok ? 0 : 1;
    }
    case 'info': {
      const name = rest.find((a) => !a.startsWith('--'));
      const sizeAt = rest.indexOf('--size');
      const size = sizeAt >= 0 ? Number(rest[sizeAt + 1]) : undefined;
      if (name === undefined) throw new PatchworkError('E_ARGUMENT', 'info needs a model or preset name');
      if (size !== undefined && (!Number.isInteger(size) || size <= 0)) throw new PatchworkError('E_ARGUMENT', `--size must be a positive integer, got ${rest[sizeAt + 1]}`);
      process.stdout.write(`${JSON.stringify(await modelInfo(name, size))}\n`);
      return 0;
    }
    default:
      process.stderr.write(`unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`patchwork: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof PatchworkError ? 2 : 1);
  },
);
