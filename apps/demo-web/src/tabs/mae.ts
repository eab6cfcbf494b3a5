import { FASHION_MNIST_PIXELS } from '@patchwork/datasets';
import { createMae, reconstructionPanels } from '@patchwork/mae';
import type { MaskedAutoencoderViT } from '@patchwork/mae';
import { Rng, tf } from '@patchwork/tensor-core';
import { ImageFileInput } from '../image-file.js';
import { drawGreyInto, loadSamples, paintGrey, readGrey, thumbnails } from '../samples.js';
import { mountWeightsPanel } from '../weights-panel.js';

const PRESET = 'mae_vit_micro_patch4_28';
// apps/mae-pretrain trains on standardised pixels: the same statistics go in here and come back out.
const PIXELS = FASHION_MNIST_PIXELS;

export async function mountMae(root: HTMLElement): Promise<void> {
  root.innerHTML = `
    <h2>Masked autoencoder (${PRESET})</h2>
    <div id="mae-panel"></div>
    <div id="mae-samples"></div>
    <div class="controls">
      <label>masking ratio <input id="mae-ratio" type="range" min="0.05" max="0.95" step="0.05" value="0.75" /> <output id="mae-ratio-out">0.75</output></label>
      <label>mask seed <input id="mae-seed" type="number" value="1" style="width:5em" /></label>
      <input id="mae-image" type="file" accept="image/*" />
      <button id="mae-run" disabled>Reconstruct</button>
    </div>
    <div class="row" id="mae-out">
      <figure><canvas id="mae-original" class="px" width="28" height="28"></canvas><figcaption>original</figcaption></figure>
      <figure><canvas id="mae-masked" class="px" width="28" height="28"></canvas><figcaption>masked (grey = removed)</figcaption></figure>
      <figure><canvas id="mae-recon" class="px" width="28" height="28"></canvas><figcaption>reconstruction</figcaption></figure>
      <figure><canvas id="mae-pasted" class="px" width="28" height="28"></canvas><figcaption>reconstruction + visible patches</figcaption></figure>
    </div>
    <p class="note">Pixels go in standardised with Fashion-MNIST's statistics, as apps/mae-pretrain trains. The
    model predicts per-patch normalised pixels (norm-pix loss); as in the official MAE visualisation they are
    shown de-normalised with each true patch's mean and variance.</p>
    <div id="mae-status" class="status"></div>`;
  const $ = <T extends HTMLElement>(id: string) => root.querySelector<T>(`#${id}`)!;
  const original = $<HTMLCanvasElement>('mae-original');
  const status = $('mae-status');
  const runBtn = $<HTMLButtonElement>('mae-run');
  const samples = await loadSamples();
  let mae: MaskedAutoencoderViT | null = null;

  paintGrey(original, samples.samples[0]!.pixels);
  $('mae-samples').append(thumbnails(samples, (s) => paintGrey(original, s.pixels)));
  $<HTMLInputElement>('mae-ratio').addEventListener('input', (e) => ($('mae-ratio-out').textContent = (e.target as HTMLInputElement).value));
  const opened = new ImageFileInput($<HTMLInputElement>('mae-image'), (bitmap) => drawGreyInto(original, bitmap), (msg) => {
    status.className = 'status error';
    status.textContent = msg;
  });

  mountWeightsPanel({
    root,
    container: $('mae-panel'),
    prefix: 'mae',
    choices: [
      { value: 'bundled', arch: PRESET, label: 'trained by apps/mae-pretrain (bundled, full Fashion-MNIST, 1,300 steps)', url: 'weights/mae-micro-fashion.safetensors' },
      { value: 'random', arch: PRESET, label: 'UNTRAINED: random init (seed 0)', url: null },
    ],
    build: () => createMae(PRESET, { normPixLoss: true }, { rng: new Rng(0) }),
    onReady: (next) => {
      mae?.dispose();
      mae = next.eval();
      runBtn.disabled = false;
    },
  });

  runBtn.addEventListener('click', async () => {
    if (mae === null) return;
    root.dataset.state = 'running';
    try {
      await opened.ready();
      const ratio = Number($<HTMLInputElement>('mae-ratio').value);
      const seed = Number($<HTMLInputElement>('mae-seed').value) || 0;
      const grey = readGrey(original);
      const images = tf.tidy(() => tf.div(tf.sub(tf.div(tf.tensor4d(grey, [1, 28, 28, 1], 'float32'), 255), PIXELS.mean), PIXELS.std) as tf.Tensor4D);
      const noise = tf.randomUniform([1, mae.numPatches], 0, 1, 'float32', seed) as tf.Tensor2D;
      const out = reconstructionPanels(mae, images, noise, ratio, PIXELS);
      for (const [id, t] of [['mae-masked', out.masked], ['mae-recon', out.reconstruction], ['mae-pasted', out.pasted]] as const) {
        const img = tf.squeeze(t, [0]) as tf.Tensor3D;
        await tf.browser.toPixels(img, $<HTMLCanvasElement>(id));
        img.dispose();
      }
      const mask = Array.from(await out.mask.data());
      $('mae-out').dataset.mask = mask.map((m) => (m > 0.5 ? 1 : 0)).join('');
      $('mae-out').dataset.patch = String(mae.config.patchSize);
      tf.dispose([images, noise, ...Object.values(out)]);
      status.className = 'status';
      status.textContent = `masked ${mask.filter((m) => m > 0.5).length} of ${mask.length} patches`;
      root.dataset.state = 'done';
    } catch (err) {
      status.className = 'status error';
      status.textContent = (err as Error).message;
      root.dataset.state = 'error';
    }
  });
}
