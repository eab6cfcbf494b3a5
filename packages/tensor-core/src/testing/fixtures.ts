// Parity fixtures (Node-only): `<root>/<model>/<case>/{case.json, weights.safetensors, io.safetensors}`,
// produced by the official PyTorch code; the format is described in the fixtures README.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseConfig } from '../config.js';
import { FormatError, PatchworkError } from '../errors.js';
import { loadSafetensorsFile } from '../io/safetensors-file.js';
import type { tf } from '../tf.js';

const caseSchema = z.looseObject({
  model: z.string().min(1),
  case: z.string().min(1),
  // A dict of constructor arguments, or a prose description where there is no single constructor call.
  constructor: z.union([z.record(z.string(), z.unknown()), z.string()]),
  tolerance: z.looseObject({ max_abs: z.number().positive() }),
  io_file: z
    .looseObject({ tensors: z.record(z.string(), z.looseObject({ dtype: z.string(), shape: z.array(z.number().int().nonnegative()) })) })
    .optional(),
  weights: z.looseObject({ num_tensors: z.number().int().nonnegative() }).optional(),
});

/** A fixture's case.json: the required keys are typed, everything else is kept as it is. */
export type FixtureCaseJson = z.output<typeof caseSchema>;

/** One loaded fixture case. `dispose()` frees every tensor in `weights` and `io`. */
export interface FixtureCase {
  dir: string;
  caseJson: FixtureCaseJson;
  /** The official state dict (PyTorch names and layouts). */
  weights: Record<string, tf.Tensor>;
  /** Named inputs and expected outputs (int64 become int32). */
  io: Record<string, tf.Tensor>;
  dispose(): void;
}

/**
 * The workspace root: the nearest directory at or above `from` (default: this file's directory)
 * that holds `pnpm-workspace.yaml`; null outside a checkout.
 */
export function findWorkspaceRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (path.dirname(dir) === dir) return null;
  }
}

/**
 * Where the fixtures are: `PATCHWORK_FIXTURES` if set (it must exist), else the repository copy
 * `tooling/fixtures/`, else `../shared/fixtures` beside the repository. Throws listing what was tried.
 */
export function fixturesRoot(): string {
  const fromEnv = process.env.PATCHWORK_FIXTURES;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!isDirectory(fromEnv)) throw new PatchworkError('E_FILE', `PATCHWORK_FIXTURES=${fromEnv} is not a directory`);
    return path.resolve(fromEnv);
  }
  const root = findWorkspaceRoot();
  const candidates = root === null ? [] : [path.join(root, 'tooling', 'fixtures'), path.join(root, '..', 'shared', 'fixtures')];
  const found = candidates.find(isDirectory);
  if (found === undefined) {
    const tried = candidates.length > 0 ? candidates.join(', ') : 'no workspace root found above this package';
    throw new PatchworkError('E_FILE', `no parity fixtures found (set PATCHWORK_FIXTURES; tried ${tried})`);
  }
  return path.resolve(found);
}

/** Absolute directories of every fixture case (those with a case.json), optionally of one model; sorted. */
export function fixtureCaseDirs(model?: string): string[] {
  const root = fixturesRoot();
  const models = subdirectories(root);
  if (model !== undefined && !models.includes(model)) {
    throw new PatchworkError('E_ARGUMENT', `no fixtures for model '${model}' in ${root} (models: ${models.join(', ')})`);
  }
  return (model === undefined ? models : [model]).flatMap((m) =>
    subdirectories(path.join(root, m))
      .map((c) => path.join(root, m, c))
      .filter((dir) => fs.existsSync(path.join(dir, 'case.json'))),
  );
}

/**
 * Load a fixture case: validated case.json, weights and io tensors. A relative `dir` (such as
 * `vit/cls_token_p8`) is resolved against {@link fixturesRoot}. Caller calls `dispose()`.
 */
export function loadFixtureCase(dir: string): FixtureCase {
  const caseDir = path.isAbsolute(dir) ? dir : path.join(fixturesRoot(), dir);
  const caseFile = path.join(caseDir, 'case.json');
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(caseFile, 'utf8'));
  } catch (err) {
    throw new FormatError(`cannot read ${caseFile}: ${(err as Error).message}`, { cause: err });
  }
  const caseJson = parseConfig(caseSchema, raw, caseFile);
  const weights = loadSafetensorsFile(path.join(caseDir, 'weights.safetensors')).tensors;
  let io: Record<string, tf.Tensor>;
  try {
    io = loadSafetensorsFile(path.join(caseDir, 'io.safetensors')).tensors;
  } catch (err) {
    Object.values(weights).forEach((t) => t.dispose());
    throw err;
  }
  return {
    dir: caseDir,
    caseJson,
    weights,
    io,
    dispose: () => [...Object.values(weights), ...Object.values(io)].forEach((t) => t.dispose()),
  };
}

function isDirectory(p: string): boolean {
  return fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function subdirectories(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}
