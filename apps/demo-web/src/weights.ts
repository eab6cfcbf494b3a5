import { decodeSafetensors, tf } from '@patchwork/tensor-core';
import type { Module } from '@patchwork/layers';

/** A checkpoint as the demo uses it: the model's state dict plus what the file says about itself. */
export interface LoadedWeights {
  /** PyTorch-named tensors (the `weights/` prefix of Patchwork checkpoints removed). Caller disposes. */
  stateDict: Record<string, tf.Tensor>;
  /** `model.name` from a Patchwork checkpoint's metadata, if any. */
  modelName: string | null;
  step: number | null;
  source: string;
}

export type Progress = (loaded: number, total: number | null) => void;

/** Fetch a URL, reporting bytes as they arrive. */
export async function fetchBytes(url: string, onProgress: Progress): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot fetch ${url}: HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length')) || null;
  if (res.body === null) {
    const buf = new Uint8Array(await res.arrayBuffer());
    onProgress(buf.length, buf.length);
    return buf;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress(loaded, total);
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Read a user-picked file, reporting progress. */
export function readFileBytes(file: File, onProgress: Progress): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : null);
    reader.onerror = () => reject(new Error(`cannot read ${file.name}: ${reader.error?.message ?? 'unknown error'}`));
    reader.onload = () => {
      onProgress(file.size, file.size);
      resolve(new Uint8Array(reader.result as ArrayBuffer));
    };
    reader.readAsArrayBuffer(file);
  });
}

/**
 * Decode a safetensors file: a Patchwork checkpoint (`weights/*` tensors, optimizer slots ignored)
 * or a plain state dict. Corrupt files throw the FormatError of `decodeSafetensors`.
 */
export function parseWeights(bytes: Uint8Array, source: string): LoadedWeights {
  const { tensors, metadata } = decodeSafetensors(bytes, { source });
  const names = Object.keys(tensors);
  const isCheckpoint = names.some((k) => k.startsWith('weights/'));
  const stateDict: Record<string, tf.Tensor> = {};
  for (const [k, t] of Object.entries(tensors)) {
    if (!isCheckpoint) stateDict[k] = t;
    else if (k.startsWith('weights/')) stateDict[k.slice('weights/'.length)] = t;
    else t.dispose();
  }
  let modelName: string | null = null;
  try {
    const model = metadata.model === undefined ? null : (JSON.parse(metadata.model) as { name?: unknown });
    if (model !== null && typeof model.name === 'string') modelName = model.name;
  } catch {
    // not a Patchwork checkpoint's metadata: fine, it is only informative
  }
  const step = metadata.step !== undefined && Number.isFinite(Number(metadata.step)) ? Number(metadata.step) : null;
  return { stateDict, modelName, step, source };
}

/** A progress bar + label pair wired to a {@link Progress} callback. */
export function progressReporter(bar: HTMLProgressElement, label: HTMLElement): Progress {
  return (loaded, total) => {
    if (total !== null) {
      bar.max = total;
      bar.value = loaded;
    } else {
      bar.removeAttribute('value');
    }
    label.textContent = `${(loaded / 1e6).toFixed(2)} MB${total !== null ? ` / ${(total / 1e6).toFixed(2)} MB` : ''}`;
  };
}

/** Long state-dict errors (one line per key) cut to `max` lines for display. */
export function shortError(message: string, max = 14): string {
  const lines = message.split('\n');
  if (lines.length <= max + 1) return message;
  const tail = lines[lines.length - 1]!.startsWith('(') ? `\n${lines[lines.length - 1]}` : '';
  return `${lines.slice(0, max).join('\n')}\n  … ${lines.length - max - (tail ? 1 : 0)} more${tail}`;
}

/** A model built and loaded from a checkpoint, with what the file says about itself. */
export interface LoadedModel<M> {
  model: M;
  /** The architecture it was built as. */
  arch: string;
  /** `model.name` from the file's metadata, if any. */
  modelName: string | null;
  step: number | null;
}

/** How {@link loadModel} builds and fills a model. */
export interface LoadModelOptions<M extends Module> {
  /** The architecture to build, given the model name the file's metadata gives (null: none). */
  arch: (fileModelName: string | null) => string;
  /** A fresh (random-init) model of an architecture. */
  build: (arch: string) => M;
  /** Put the state dict into the model; default `model.loadStateDict(dict)` (strict). */
  load?: (model: M, stateDict: Record<string, tf.Tensor>) => void;
}

/**
 * Decode a safetensors file and load it into a freshly built model. A corrupt file fails with the
 * FormatError of `decodeSafetensors`, a checkpoint of another model with the `loadStateDict` error
 * (every missing/unexpected key) plus the model name the file's metadata gives. The new model is
 * disposed on failure; the decoded tensors always are (loading copies them).
 */
export function loadModel<M extends Module>(bytes: Uint8Array, source: string, { arch: pickArch, build, load }: LoadModelOptions<M>): LoadedModel<M> {
  const loaded = parseWeights(bytes, source);
  try {
    const arch = pickArch(loaded.modelName);
    const model = build(arch);
    try {
      if (load !== undefined) load(model, loaded.stateDict);
      else model.loadStateDict(loaded.stateDict);
    } catch (err) {
      model.dispose();
      const hint = loaded.modelName !== null && loaded.modelName !== arch ? `\n(the file is a checkpoint of '${loaded.modelName}', this needs '${arch}')` : '';
      throw new Error(`${(err as Error).message}${hint}`, { cause: err });
    }
    return { model, arch, modelName: loaded.modelName, step: loaded.step };
  } finally {
    tf.dispose(Object.values(loaded.stateDict));
  }
}
