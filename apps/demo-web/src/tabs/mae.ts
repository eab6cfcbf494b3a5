import { createMae } from '@patchwork/mae';
import type { MaskedAutoencoderViT } from '@patchwork/mae';
import { Rng, tf } from '@patchwork/tensor-core';
import { loadSamples, paintGrey, readGrey, thumbnails, drawFileInto } from '../samples.js';
import { mountWeightsPanel } from '../weights-panel.js';

const PRESET = 'mae_vit_micro_patch4_28';

/**
 * Reconstruct with a given masking noise, as apps/mae-pretrain/src/reconstruct.ts does: normalised
 * predictions are mapped back with each true patch's mean and variance; masked patches show grey.
 */
function reconstruct(mae: MaskedAutoencoderViT, images: tf.Tensor4D, noise: tf.Tensor2D, maskRatio: number) {
  return tf.tidy(() => {
    const { pred, mask } = mae.forward(images, { maskRatio, noise });
    let pixels: tf.Tensor = pred;
    if (mae.config.normPixLoss) {
      const target = mae.patchify(images);
      const mean = tf.mean(target, -1, true);
      const variance = tf.div(tf.sum(tf.square(tf.sub(target, mean)), -1, true), target.shape[2]! - 1);
      pixels = tf.add(tf.mul(pred, tf.sqrt(tf.add(variance, 1e-6))), mean);
    }
    const reconstruction = tf.clipByValue(mae.unpatchify(pixels), 0, 1) as tf.Tensor4D;
    const hidden = mae.unpatchify(tf.tile(tf.expandDims(mask, -1), [1, 1, pred.shape[2]!]));
    const visible = tf.sub(1, hidden);
    return {
      mask: mask as tf.Tensor2D,
      masked: tf.add(tf.mul(images, visible), tf.mul(hidden, 0.5)) as tf.Tensor4D,
      reconstruction,
      pasted: tf.add(tf.mul(images, visible), tf.mul(reconstruction, hidden)) as tf.Tensor4D,
    };
  });
}

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
    <p class="note">The model predicts per-patch normalised pixels (norm-pix loss); as in the official MAE
    visualisation they are shown de-normalised with each true patch's mean and variance.</p>
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
  $<HTMLInputElement>('mae-image').addEventListener('change', (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) void drawFileInto(original, file);
  });

  mountWeightsPanel({
    root,
    container: $('mae-panel'),
    prefix: 'mae',
    choices: [
      { value: 'bundled', arch: PRESET, label: 'trained by apps/mae-pretrain (bundled, 400 steps)', url: 'weights/mae-micro-fashion.safetensors' },
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
      const ratio = Number($<HTMLInputElement>('mae-ratio').value);
      const seed = Number($<HTMLInputElement>('mae-seed').value) || 0;
      const grey = readGrey(original);
      const images = tf.tidy(() => tf.div(tf.tensor4d(grey, [1, 28, 28, 1], 'float32'), 255) as tf.Tensor4D);
      const noise = tf.randomUniform([1, mae.numPatches], 0, 1, 'float32', seed) as tf.Tensor2D;
      const out = reconstruct(mae, images, noise, ratio);
      for (const [id, t] of [['mae-masked', out.masked], ['mae-recon', out.reconstruction], ['mae-pasted', out.pasted]] as const) {
        const img = tf.squeeze(t, [0]) as tf.Tensor3D;
        await tf.browser.toPixels(img, $<HTMLCanvasElement>(id));
        img.dispose();
      }
      const mask = Array.from(await out.mask.data());
      $('mae-out').dataset.mask = mask.map((m) => (m > 0.5 ? 1 : 0)).join('');
      $('mae-out').dataset.patch = String(mae.config.patchSize);
      tf.dispose([images, noise, out.mask, out.masked, out.reconstruction, out.pasted]);
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
