// Training checkpoints (Node-only). A checkpoint is ONE safetensors file:
// - tensors `weights/<state-dict name>` (PyTorch names and layouts, as Module.stateDict() gives
//   them) and `optimizer/<slot name>`;
// - `__metadata__` with format 'patchwork-checkpoint', version '1', and JSON strings for model
//   {name, config}, step, optimizer {name, hyper}, rng (RngState) and extra.
// Saving into a directory writes `step-<9-digit step>.safetensors` and then a `latest` file naming
// it; both writes are atomic, so a kill at any moment leaves `latest` pointing at a complete file.
import fs from 'node:fs';
import path from 'node:path';
import { FormatError, PatchworkError } from '../errors.js';
import type { RngState } from '../random.js';
import type { tf } from '../tf.js';
import { assertSameModel, checkpointInfoFromInput, checkpointInfoFromMetadata, checkpointMetadata } from './checkpoint-meta.js';
import { fileError, writeAll, writeFileAtomic } from './fs-util.js';
import type { JsonValue } from './json.js';
import { openSafetensors, writeSafetensorsFile } from './safetensors-file.js';
import type { EncodeOptions } from './safetensors.js';

/** A model's identity: checkpoints of another name or config are refused on load. */
export interface ModelIdentity {
  name: string;
  /** Any JSON-serialisable config (undefined fields are dropped). */
  config: unknown;
}

/** What {@link saveCheckpoint} stores. Tensors are not disposed by saving. */
export interface Checkpoint {
  model: ModelIdentity;
  /** The model's state dict (PyTorch names and layouts). */
  weights: Record<string, tf.Tensor>;
  optimizer?: { name: string; state: Record<string, tf.Tensor>; hyper: unknown };
  /** Training step (non-negative integer). */
  step: number;
  rng?: RngState;
  extra?: unknown;
}

/** A checkpoint read by {@link loadCheckpoint}; `dispose()` frees all its tensors. */
export interface LoadedCheckpoint {
  /** The file it was read from (the `latest` one when a directory was given). */
  path: string;
  model: { name: string; config: JsonValue };
  weights: Record<string, tf.Tensor>;
  optimizer?: { name: string; state: Record<string, tf.Tensor>; hyper: JsonValue };
  step: number;
  rng?: RngState;
  extra?: JsonValue;
  dispose(): void;
}

/** Options for {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /** Directory mode only: keep this many step files (the new one included), deleting older ones. */
  keep?: number;
  /** Stored dtype of float32 tensors (default F32). */
  floatDtype?: EncodeOptions['floatDtype'];
}

const WEIGHTS = 'weights/';
const OPTIMIZER = 'optimizer/';
const LATEST = 'latest';
const STEP_FILE = /^step-(\d+)\.safetensors$/;

/**
 * Save a checkpoint atomically. A `target` ending in `.safetensors` is written as that file;
 * otherwise `target` is a directory (created if needed) that receives `step-<step>.safetensors`
 * and an updated `latest` pointer. Metadata is validated first (ConfigError on bad input).
 * Returns the path of the written file.
 */
export function saveCheckpoint(target: string, checkpoint: Checkpoint, options: SaveCheckpointOptions = {}): string {
  const { model, weights, optimizer, step, rng, extra } = checkpoint;
  const info = checkpointInfoFromInput({ model, step, optimizer: optimizer && { name: optimizer.name, hyper: optimizer.hyper }, rng, extra });
  const intoDirectory = !target.endsWith('.safetensors');
  if (options.keep !== undefined && (!intoDirectory || !Number.isInteger(options.keep) || options.keep < 1)) {
    throw new PatchworkError('E_ARGUMENT', `keep must be a positive integer and needs a directory target, got keep=${options.keep} for ${target}`);
  }
  const tensors = { ...prefixed(WEIGHTS, weights), ...prefixed(OPTIMIZER, optimizer?.state ?? {}) };
  if (!intoDirectory) {
    writeSafetensorsFile(target, tensors, checkpointMetadata(info), { floatDtype: options.floatDtype });
    return target;
  }
  const fileName = `step-${String(info.step).padStart(9, '0')}.safetensors`;
  const file = path.join(target, fileName);
  try {
    fs.mkdirSync(target, { recursive: true });
  } catch (err) {
    throw fileError(err, `cannot create checkpoint directory ${target}`);
  }
  writeSafetensorsFile(file, tensors, checkpointMetadata(info), { floatDtype: options.floatDtype });
  writeFileAtomic(path.join(target, LATEST), (fd) => writeAll(fd, new TextEncoder().encode(`${fileName}\n`)));
  if (options.keep !== undefined) prune(target, fileName, options.keep);
  return file;
}

function prefixed(prefix: string, tensors: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(tensors).map(([k, t]) => [prefix + k, t]));
}

// Only after `latest` names the new file: the newest `keep − 1` others survive with it.
function prune(dir: string, current: string, keep: number): void {
  const others = fs
    .readdirSync(dir)
    .flatMap((name) => {
      const m = STEP_FILE.exec(name);
      return m !== null && name !== current ? [{ name, step: Number(m[1]) }] : [];
    })
    .sort((a, b) => b.step - a.step);
  for (const { name } of others.slice(keep - 1)) fs.rmSync(path.join(dir, name), { force: true });
}

/**
 * The checkpoint file that `dir/latest` names, or null when the directory has no `latest` (nothing
 * saved yet). Throws {@link FormatError} when `latest` is not a plain file name.
 */
export function latestCheckpoint(dir: string): string | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, LATEST), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fileError(err, `cannot read ${path.join(dir, LATEST)}`);
  }
  const name = text.trim();
  // A bare file name only: `latest` must not be able to point outside its directory.
  if (!/^[^/\\]+\.safetensors$/.test(name)) {
    throw new FormatError(`${path.join(dir, LATEST)}: expected the name of a .safetensors file in the same directory, got ${JSON.stringify(text.slice(0, 100))}`);
  }
  return path.join(dir, name);
}

/**
 * Load a checkpoint file, or the `latest` one of a checkpoint directory. With `expectModel`, a
 * checkpoint of another model or config is refused before any tensor is read, with an E_CHECKPOINT
 * error listing the differing config keys. Corrupt or truncated files give a {@link FormatError}
 * naming the file. The caller disposes the tensors (or calls `dispose()`).
 */
export function loadCheckpoint(target: string, options: { expectModel?: ModelIdentity } = {}): LoadedCheckpoint {
  const file = resolveCheckpointFile(target);
  const reader = openSafetensors(file);
  try {
    const info = checkpointInfoFromMetadata(reader.metadata, file);
    if (options.expectModel !== undefined) assertSameModel(info.model, options.expectModel, file);
    for (const name of reader.keys()) {
      if (!name.startsWith(WEIGHTS) && !name.startsWith(OPTIMIZER)) {
        throw new FormatError(`${file}: unexpected tensor '${name}' (checkpoint tensors live under '${WEIGHTS}' or '${OPTIMIZER}')`);
      }
      if (name.startsWith(OPTIMIZER) && info.optimizer === undefined) {
        throw new FormatError(`${file}: optimizer tensor '${name}' but no optimizer in the metadata`);
      }
    }
    const all = reader.readAll();
    const weights = unprefixed(WEIGHTS, all);
    const loaded: LoadedCheckpoint = {
      path: file,
      model: info.model,
      weights,
      step: info.step,
      dispose: () => Object.values(all).forEach((t) => t.dispose()),
    };
    if (info.optimizer !== undefined) loaded.optimizer = { ...info.optimizer, state: unprefixed(OPTIMIZER, all) };
    if (info.rng !== undefined) loaded.rng = info.rng;
    if (info.extra !== undefined) loaded.extra = info.extra;
    return loaded;
  } finally {
    reader.close();
  }
}

/**
 * Load the weights of a checkpoint (a file, or a directory's `latest`) into `model` through its
 * `loadStateDict`, free the checkpoint's tensors and return its step. `expectModel` refuses a
 * checkpoint of another model as {@link loadCheckpoint} does.
 */
export function loadCheckpointWeights(target: string, model: { loadStateDict(weights: Record<string, tf.Tensor>): unknown }, options: { expectModel?: ModelIdentity } = {}): number {
  const ck = loadCheckpoint(target, options);
  try {
    model.loadStateDict(ck.weights);
    return ck.step;
  } finally {
    ck.dispose();
  }
}

function unprefixed(prefix: string, tensors: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(tensors).flatMap(([k, t]) => (k.startsWith(prefix) ? [[k.slice(prefix.length), t]] : [])));
}

function resolveCheckpointFile(target: string): string {
  let isDirectory: boolean;
  try {
    isDirectory = fs.statSync(target).isDirectory();
  } catch (err) {
    throw fileError(err, `no checkpoint at ${target}`);
  }
  if (!isDirectory) return target;
  const latest = latestCheckpoint(target);
  if (latest === null) throw new PatchworkError('E_CHECKPOINT', `${target} holds no checkpoint (it has no '${LATEST}' file)`);
  return latest;
}
