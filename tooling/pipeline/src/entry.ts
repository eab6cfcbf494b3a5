import fs from 'node:fs';
import { PatchworkError } from '@patchwork/tensor-core';

/**
 * Run one pipeline step as a command: on success exit 0 (tfjs-wasm worker threads would keep the
 * process alive), on failure print `<name>: <message>` and exit 2 for a PatchworkError (bad input,
 * a known problem) or 1 for anything else.
 */
export function runEntry(name: string, step: () => Promise<void>): void {
  step().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(err instanceof PatchworkError ? 2 : 1);
    },
  );
}

/** Remove `dir` with everything a previous run left in it, create it empty, and return it. */
export function freshDir(dir: string): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
