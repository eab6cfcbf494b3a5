import { FASHION_MNIST_PIXELS } from '@patchwork/datasets';
import { SmallConvNet } from '@patchwork/layers';
import type { Module } from '@patchwork/layers';
import { MOBILENETV2_PRESETS, createMobileNetV2 } from '@patchwork/mobilenetv2';
import type { MobileNetV2PresetName } from '@patchwork/mobilenetv2';
import { Rng, tf } from '@patchwork/tensor-core';
import { createVit } from '@patchwork/vit';
import { ImageFileInput } from '../image-file.js';
import { drawGreyInto, loadSamples, paintGrey, readGrey, thumbnails } from '../samples.js';
import { mountWeightsPanel } from '../weights-panel.js';
import type { WeightsChoice } from '../weights-panel.js';

// Same normalisation as apps/classify (Fashion-MNIST training-set pixel statistics).
const { mean: MEAN, std: STD } = FASHION_MNIST_PIXELS;
const TOP_K = 5;

/** The three bundled checkpoints (apps/classify runs, see the README), then other sizes for your own files. */
const CHOICES: WeightsChoice[] = [
  { value: 'small-cnn', arch: 'small-cnn', label: 'small CNN (bundled, apps/classify)', url: 'weights/small-cnn-fashion.safetensors' },
  { value: 'vit_micro_patch4_28', arch: 'vit_micro_patch4_28', label: 'ViT micro, patch 4 (bundled, apps/classify)', url: 'weights/vit-micro-fashion.safetensors' },
  { value: 'mobilenet_v2_0.35', arch: 'mobilenet_v2_0.35', label: 'MobileNetV2 ×0.35 (bundled, apps/classify)', url: 'weights/mobilenetv2-035-fashion.safetensors' },
  ...['vit_tiny_patch4_28', ...Object.keys(MOBILENETV2_PRESETS).filter((n) => n !== 'mobilenet_v2_0.35')].map((arch) => ({
    value: arch,
    arch,
    label: `${arch} — for your own file (Load: UNTRAINED random init)`,
    url: null,
  })),
];

interface Classifier extends Module {
  forward(x: tf.Tensor): tf.Tensor;
}

/** The models as apps/classify builds them for 28×28 grey inputs and 10 classes. */
function build(arch: string): Classifier {
  const rng = new Rng(0);
  if (arch === 'small-cnn') return new SmallConvNet({ inChannels: 1, numClasses: 10, rng });
  if (arch.startsWith('vit_')) return createVit(arch, { numClasses: 10, inChans: 1, imgSize: 28 }, { rng });
  // Small inputs keep full resolution in the stem (stride 1), as apps/classify does below 64 px.
  return createMobileNetV2(arch as MobileNetV2PresetName, { numClasses: 10, inChans: 1, stemStride: 1 }, { rng });
}

export async function mountClassify(root: HTMLElement): Promise<void> {
  root.innerHTML = `
    <h2>Fashion-MNIST classification</h2>
    <div id="cls-panel"></div>
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
        <ol id="cls-top5" class="topk" data-testid="cls-top5"></ol>
        <div id="cls-status" class="status"></div>
      </div>
    </div>`;
  const $ = <T extends HTMLElement>(id: string) => root.querySelector<T>(`#${id}`)!;
  const input = $<HTMLCanvasElement>('cls-input');
  const status = $('cls-status');
  const runBtn = $<HTMLButtonElement>('cls-run');
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

  const archNames = new Set(CHOICES.map((c) => c.arch));
  mountWeightsPanel({
    root,
    container: $('cls-panel'),
    prefix: 'cls',
    choices: CHOICES,
    build,
    // A checkpoint of apps/classify names its model: load it as that one whatever is selected.
    archForFile: (modelName, selected) => (modelName !== null && archNames.has(modelName) ? modelName : selected),
    onReady: (next) => {
      model?.dispose();
      model = next.eval();
      runBtn.disabled = false;
    },
  });

  const opened = new ImageFileInput(
    $<HTMLInputElement>('cls-image'),
    (bitmap, file) => {
      drawGreyInto(input, bitmap);
      delete input.dataset.trueLabel;
      $('cls-input-caption').textContent = `from ${file.name}`;
    },
    setError,
  );
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
      await opened.ready();
      const grey = readGrey(input);
      const probs = tf.tidy(() => {
        const x = tf.div(tf.sub(tf.div(tf.tensor4d(grey, [1, 28, 28, 1], 'float32'), 255), MEAN), STD);
        return tf.softmax(model!.forward(x));
      });
      const p = Array.from(await probs.data());
      probs.dispose();
      const top = p.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]).slice(0, TOP_K);
      const list = $('cls-top5');
      list.innerHTML = '';
      for (const [v, i] of top) {
        const li = document.createElement('li');
        li.dataset.label = String(i);
        li.dataset.p = v.toFixed(6);
        const bar = document.createElement('progress');
        bar.max = 1;
        bar.value = v;
        li.append(bar, ` ${classNames[i]} — ${(100 * v).toFixed(1)} %`);
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
