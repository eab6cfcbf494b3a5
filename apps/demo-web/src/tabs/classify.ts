import type { Module } from '@patchwork/layers';
import { MOBILENETV2_PRESETS, createMobileNetV2 } from '@patchwork/mobilenetv2';
import type { MobileNetV2PresetName } from '@patchwork/mobilenetv2';
import { Rng, tf } from '@patchwork/tensor-core';
import { loadSamples, paintGrey, readGrey, thumbnails, drawFileInto } from '../samples.js';
import { SmallConvNet } from '@patchwork/layers';
import { fetchBytes, parseWeights, progressReporter, readFileBytes, shortError } from '../weights.js';

// Same normalisation as apps/classify (Fashion-MNIST training-set pixel statistics).
const MEAN = 0.286;
const STD = 0.353;
const BUNDLED = { url: 'weights/small-cnn-fashion.safetensors', arch: 'small-cnn', label: 'small CNN trained by apps/classify (bundled)' };

interface Classifier extends Module {
  forward(x: tf.Tensor): tf.Tensor;
}

function build(arch: string): Classifier {
  if (arch === 'small-cnn') return new SmallConvNet({ inChannels: 1, numClasses: 10, rng: new Rng(0) });
  // apps/classify's MobileNetV2 builder for 28×28 inputs: grey input, 10 classes, stride-1 stem.
  return createMobileNetV2(arch as MobileNetV2PresetName, { numClasses: 10, inChans: 1, stemStride: 1 }, { rng: new Rng(0) });
}

export async function mountClassify(root: HTMLElement): Promise<void> {
  root.innerHTML = `
    <h2>Fashion-MNIST classification</h2>
    <div class="controls">
      <label>Architecture <select id="cls-arch">
        <option value="small-cnn">small CNN (apps/classify)</option>
        ${Object.keys(MOBILENETV2_PRESETS).map((n) => `<option value="${n}">MobileNetV2 ${n.replace('mobilenet_v2_', '×')}</option>`).join('')}
      </select></label>
      <button id="cls-load-bundled">Load bundled checkpoint</button>
      <label>or your own checkpoint (.safetensors) <input id="cls-file" type="file" accept=".safetensors" /></label>
    </div>
    <div class="controls"><progress id="cls-progress" value="0" max="1"></progress> <span id="cls-progress-label"></span></div>
    <div id="cls-weights" class="status" data-testid="cls-weights">no weights loaded</div>
    <p>Pick a bundled test image, draw on the canvas (white on black), or open an image file:</p>
    <div id="cls-samples"></div>
    <div class="row">
      <figure><canvas id="cls-input" class="px" width="28" height="28"></canvas><figcaption id="cls-input-caption">input 28×28</figcaption></figure>
      <div>
        <div class="controls">
          <button id="cls-clear">Clear</button>
          <label>brush <input id="cls-brush" type="range" min="1" max="4" step="0.5" value="2" /></label>
          <input id="cls-image" type="file" accept="image/*" />
        </div>
        <button id="cls-run" disabled>Classify</button>
        <ol id="cls-top3" class="top3" data-testid="cls-top3"></ol>
        <div id="cls-status" class="status"></div>
      </div>
    </div>`;
  const $ = <T extends HTMLElement>(id: string) => root.querySelector<T>(`#${id}`)!;
  const input = $<HTMLCanvasElement>('cls-input');
  const status = $('cls-status');
  const weightsInfo = $('cls-weights');
  const runBtn = $<HTMLButtonElement>('cls-run');
  const progress = progressReporter($<HTMLProgressElement>('cls-progress'), $('cls-progress-label'));
  const samples = await loadSamples();
  const classNames = samples.classNames;
  let model: Classifier | null = null;

  paintGrey(input, new Uint8Array(28 * 28));
  $('cls-samples').append(
    thumbnails(samples, (s) => {
      paintGrey(input, s.pixels);
      input.dataset.trueLabel = String(s.label);
      $('cls-input-caption').textContent = `test #${s.index} — true label: ${classNames[s.label]}`;
    }),
  );

  const setError = (msg: string) => {
    status.className = 'status error';
    status.textContent = msg;
  };

  async function useWeights(bytesPromise: Promise<Uint8Array>, source: string): Promise<void> {
    const arch = $<HTMLSelectElement>('cls-arch').value;
    weightsInfo.className = 'status';
    weightsInfo.textContent = `loading ${source}…`;
    root.dataset.weights = 'loading';
    let loaded: ReturnType<typeof parseWeights> | null = null;
    try {
      loaded = parseWeights(await bytesPromise, source);
      const next = build(arch);
      try {
        next.loadStateDict(loaded.stateDict);
      } catch (err) {
        next.dispose();
        const hint = loaded.modelName !== null && loaded.modelName !== arch ? `\n(the file is a checkpoint of '${loaded.modelName}', the selected architecture is '${arch}')` : '';
        throw new Error(`${(err as Error).message}${hint}`);
      }
      model?.dispose();
      model = next.eval();
      weightsInfo.textContent = `loaded ${source}: ${arch}${loaded.step !== null ? `, step ${loaded.step}` : ''}`;
      root.dataset.weights = 'ready';
      runBtn.disabled = false;
    } catch (err) {
      weightsInfo.className = 'status error';
      weightsInfo.textContent = `cannot use ${source}: ${shortError((err as Error).message)}`;
      root.dataset.weights = 'error';
    } finally {
      if (loaded !== null) tf.dispose(Object.values(loaded.stateDict));
    }
  }

  $('cls-load-bundled').addEventListener('click', () => {
    $<HTMLSelectElement>('cls-arch').value = BUNDLED.arch;
    void useWeights(fetchBytes(`${import.meta.env.BASE_URL}${BUNDLED.url}`, progress), BUNDLED.label);
  });
  $<HTMLInputElement>('cls-file').addEventListener('change', (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) void useWeights(readFileBytes(file, progress), file.name);
  });
  $<HTMLInputElement>('cls-image').addEventListener('change', (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) void drawFileInto(input, file).then(() => ($('cls-input-caption').textContent = `from ${file.name}`));
  });
  $('cls-clear').addEventListener('click', () => {
    paintGrey(input, new Uint8Array(28 * 28));
    delete input.dataset.trueLabel;
    $('cls-input-caption').textContent = 'input 28×28 (draw here)';
  });

  // Drawing: pointer positions map onto the 28×28 pixel grid.
  let drawing = false;
  const ctx = input.getContext('2d', { willReadFrequently: true })!;
  const at = (e: PointerEvent): [number, number] => {
    const r = input.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * 28, ((e.clientY - r.top) / r.height) * 28];
  };
  input.addEventListener('pointerdown', (e) => {
    drawing = true;
    input.setPointerCapture(e.pointerId);
    ctx.strokeStyle = '#fff';
    ctx.lineCap = ctx.lineJoin = 'round';
    ctx.lineWidth = Number($<HTMLInputElement>('cls-brush').value);
    ctx.beginPath();
    ctx.moveTo(...at(e));
  });
  input.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    ctx.lineTo(...at(e));
    ctx.stroke();
  });
  input.addEventListener('pointerup', () => (drawing = false));

  runBtn.addEventListener('click', async () => {
    if (model === null) return;
    root.dataset.state = 'running';
    try {
      const grey = readGrey(input);
      const probs = tf.tidy(() => {
        const x = tf.div(tf.sub(tf.div(tf.tensor4d(grey, [1, 28, 28, 1], 'float32'), 255), MEAN), STD);
        return tf.softmax(model!.forward(x));
      });
      const p = Array.from(await probs.data());
      probs.dispose();
      const top = p.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]).slice(0, 3);
      const list = $('cls-top3');
      list.innerHTML = '';
      for (const [v, i] of top) {
        const li = document.createElement('li');
        li.dataset.label = String(i);
        li.textContent = `${classNames[i]} — ${(100 * v).toFixed(1)} %`;
        list.append(li);
      }
      list.dataset.top1 = String(top[0]![1]);
      status.className = 'status';
      status.textContent = '';
      root.dataset.state = 'done';
    } catch (err) {
      setError((err as Error).message);
      root.dataset.state = 'error';
    }
  });
}
