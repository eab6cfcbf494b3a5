import type { Module } from '@patchwork/layers';
import type { tf } from '@patchwork/tensor-core';
import { fetchBytes, loadModel, progressReporter, readFileBytes, shortError } from './weights.js';

/** One entry of a tab's weights picker. */
export interface WeightsChoice {
  value: string;
  label: string;
  /** Architecture the weights are for (passed to `build`). */
  arch: string;
  /** Bundled checkpoint under public/; null = random-init weights, labelled UNTRAINED. */
  url: string | null;
  /** Badge shown when the bundled checkpoint is loaded: `trained`, or `weak` with a warning text. */
  weak?: string;
}

/** Options of {@link mountWeightsPanel}. */
export interface WeightsPanelOptions<M extends Module> {
  /** The tab element: gets `data-weights` = loading | ready | error and `data-trained`. */
  root: HTMLElement;
  /** Where the panel's controls go. */
  container: HTMLElement;
  /** Element id prefix (`tok` → `#tok-load`, `#tok-file`, `#tok-weights`, …). */
  prefix: string;
  choices: readonly WeightsChoice[];
  /** A random-init model of an architecture. */
  build: (arch: string) => M;
  /** Put a state dict into a model; default strict `loadStateDict`. */
  load?: (model: M, stateDict: Record<string, tf.Tensor>) => void;
  /** The architecture a user file is loaded as: by default the selected one. */
  archForFile?: (modelName: string | null, selected: string) => string;
  /** Takes ownership of the model (disposes the previous one itself). */
  onReady: (model: M) => void;
}

/**
 * The weights controls every model tab shares: a picker of bundled checkpoints (or random init),
 * a file input for a user's safetensors, a progress bar while bytes arrive, a badge saying how
 * trained the weights are, and the load error on screen (corrupt file, missing/unexpected keys,
 * the model the file's metadata names).
 */
export function mountWeightsPanel<M extends Module>(opts: WeightsPanelOptions<M>): void {
  const { root, container, prefix: p, choices } = opts;
  container.innerHTML = `
    <div class="controls">
      <label>Weights <select id="${p}-source">${choices.map((c) => `<option value="${c.value}">${c.label}</option>`).join('')}</select></label>
      <button id="${p}-load">Load</button>
      <label>or your own checkpoint (.safetensors) <input id="${p}-file" type="file" accept=".safetensors" /></label>
    </div>
    <div class="controls"><progress id="${p}-progress" value="0" max="1"></progress> <span id="${p}-progress-label"></span></div>
    <div class="controls"><span id="${p}-badge" class="badge"></span><span id="${p}-weights" class="status" data-testid="${p}-weights">no weights loaded</span></div>`;
  const $ = <T extends HTMLElement>(id: string) => container.querySelector<T>(`#${p}-${id}`)!;
  const select = $<HTMLSelectElement>('source');
  const info = $('weights');
  const badge = $('badge');
  const progress = progressReporter($<HTMLProgressElement>('progress'), $('progress-label'));
  const selected = () => choices.find((c) => c.value === select.value)!;
  let hasModel = false;

  const ready = (model: M, arch: string, trained: boolean, weak: string | undefined, text: string) => {
    badge.className = `badge ${!trained ? 'untrained' : weak !== undefined ? 'weak' : 'trained'}`;
    badge.textContent = !trained ? 'UNTRAINED — random weights, output is noise' : (weak ?? 'trained');
    info.className = 'status';
    info.textContent = text;
    root.dataset.trained = String(trained);
    root.dataset.weights = 'ready';
    hasModel = true;
    // A user file may have been loaded as another architecture than the selected one: show which.
    if (selected().arch !== arch) select.value = choices.find((c) => c.arch === arch)?.value ?? select.value;
    opts.onReady(model);
  };

  async function fromBytes(bytes: Promise<Uint8Array>, source: string, pickArch: (modelName: string | null) => string, weak?: string): Promise<void> {
    root.dataset.weights = 'loading';
    info.className = 'status';
    info.textContent = `loading ${source}…`;
    try {
      const built = loadModel(await bytes, source, { arch: pickArch, build: opts.build, load: opts.load });
      ready(built.model, built.arch, true, weak, `loaded ${source}: ${built.arch}${built.step !== null ? `, step ${built.step}` : ''}`);
    } catch (err) {
      // Errors of the safetensors decoder already start with the file name.
      const raw = (err as Error).message;
      const message = raw.startsWith(`${source}: `) ? raw.slice(source.length + 2) : raw;
      info.className = 'status error';
      info.textContent = `cannot use ${source}: ${shortError(message)}${hasModel ? '\n(the weights loaded before stay in use)' : ''}`;
      root.dataset.weights = 'error';
    }
  }

  $('load').addEventListener('click', () => {
    const choice = selected();
    if (choice.url === null) {
      ready(opts.build(choice.arch), choice.arch, false, undefined, `random-init ${choice.arch} (seed 0): nothing trained`);
      return;
    }
    const name = choice.url.split('/').at(-1)!;
    void fromBytes(fetchBytes(`${import.meta.env.BASE_URL}${choice.url}`, progress), name, () => choice.arch, choice.weak);
  });
  $<HTMLInputElement>('file').addEventListener('change', (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    const pick = (modelName: string | null) => (opts.archForFile ?? ((_n, s) => s))(modelName, selected().arch);
    void fromBytes(readFileBytes(file, progress), file.name, pick);
    // Let the same file be picked again (after a fix elsewhere, or to reload it).
    (e.target as HTMLInputElement).value = '';
  });
}
