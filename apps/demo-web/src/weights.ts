import { decodeSafetensors, tf } from '@patchwork/tensor-core';

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
