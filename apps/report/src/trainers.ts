import fs from 'node:fs';
import path from 'node:path';
import { PatchworkError } from '@patchwork/tensor-core';

/** A trainer app whose `eval` output goes into the report. */
export interface TrainerApp {
  /** Package name, e.g. `@patchwork/app-classify`. */
  name: string;
  /** Its folder. */
  dir: string;
}

/**
 * The trainer apps of the report: this package's `@patchwork/app-*` devDependencies (the same list
 * turbo's `^eval` follows), resolved through the workspace links in `node_modules`, in
 * package.json order.
 */
export function trainerApps(reportDir: string): TrainerApp[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(reportDir, 'package.json'), 'utf8')) as { name: string; devDependencies?: Record<string, string> };
  return Object.keys(manifest.devDependencies ?? {})
    .filter((n) => n.startsWith('@patchwork/app-') && n !== manifest.name)
    .map((name) => {
      const link = path.join(reportDir, 'node_modules', name);
      if (!fs.existsSync(link)) throw new PatchworkError('E_FILE', `${name} is not linked into ${path.join(reportDir, 'node_modules')}: run pnpm install`);
      return { name, dir: fs.realpathSync(link) };
    });
}
