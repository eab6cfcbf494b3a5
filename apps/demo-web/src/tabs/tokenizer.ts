import { FlowmoCodes, FlowmoTokenizer, flowmoPreset, loadFlowmoCheckpoint, parseFlowmoConfig } from '@patchwork/flowmo-tokenizer';
import { Rng, tf } from '@patchwork/tensor-core';
import { loadSamples, thumbnails } from '../samples.js';
import { ImageFileInput } from '../image-file.js';
import { mountWeightsPanel } from '../weights-panel.js';

const PRESET = 'flowmo_small_img32';
/** The model name apps/flowmo-train writes into its checkpoints. */
const ARCH = 'flowmo-tokenizer';

/** An 8-bit RGB canvas → `[1, S, S, 3]` in [−1, 1], as the tokenizer takes images. */
function canvasImage(canvas: HTMLCanvasElement): tf.Tensor4D {
  return tf.tidy(() => tf.sub(tf.div(tf.expandDims(tf.browser.fromPixels(canvas, 3), 0), 127.5), 1) as tf.Tensor4D);
}

/** `[1, S, S, 3]` in [−1, 1] → the canvas (clipped). */
async function showImage(x: tf.Tensor4D, canvas: HTMLCanvasElement): Promise<void> {
  const img = tf.tidy(() => tf.clipByValue(tf.div(tf.add(tf.squeeze(x, [0]), 1), 2), 0, 1) as tf.Tensor3D);
  await tf.browser.toPixels(img, canvas);
  img.dispose();
}

/** PSNR in dB between two same-size canvases' 8-bit RGB pixels. */
function psnr8(a: HTMLCanvasElement, b: HTMLCanvasElement): number {
  const da = a.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, a.width, a.height).data;
  const db = b.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, b.width, b.height).data;
  let se = 0;
  for (let i = 0; i < da.length; i++) if (i % 4 !== 3) se += (da[i]! - db[i]!) ** 2;
  const mse = se / ((da.length / 4) * 3);
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

/** The code as a tokens × bits grid (white = 1), one row per token. */
function drawCode(codes: FlowmoCodes, canvas: HTMLCanvasElement): void {
  canvas.width = codes.channels;
  canvas.height = codes.codeLength;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(canvas.width, canvas.height);
  codes.symbols.forEach((s, i) => {
    const v = Math.round((255 * s) / (codes.levels[i % codes.channels]! - 1));
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  });
  ctx.putImageData(img, 0, 0);
}

export async function mountTokenizer(root: HTMLElement): Promise<void> {
  const config = parseFlowmoConfig(flowmoPreset(PRESET));
  const size = config.imageSize;
  root.innerHTML = `
    <h2>Image tokenizer (FlowMo, ${PRESET})</h2>
    <div id="tok-panel"></div>
    <p>Pick a bundled Fashion-MNIST test image (upsampled to ${size}×${size}, as apps/flowmo-train trains on them), or open any image (scaled to ${size}×${size}):</p>
    <div id="tok-samples"></div>
    <div class="controls">
      <input id="tok-image" type="file" accept="image/*" />
      <label>sampling steps <input id="tok-steps" type="range" min="1" max="50" step="1" value="25" /> <output id="tok-steps-out">25</output></label>
      <label>ρ (timestep shift) <input id="tok-rho" type="range" min="1" max="8" step="0.5" value="4" /> <output id="tok-rho-out">4</output></label>
      <label>CFG <input id="tok-cfg" type="number" min="0" max="5" step="0.25" value="1.5" style="width:4em" /></label>
      <label>noise seed <input id="tok-seed" type="number" value="0" style="width:5em" /></label>
      <button id="tok-run" disabled>Encode → decode</button>
    </div>
    <div class="row" id="tok-out">
      <figure><canvas id="tok-input" class="px" width="${size}" height="${size}"></canvas><figcaption>image ${size}×${size}×3</figcaption></figure>
      <figure><canvas id="tok-code" class="px code" width="${config.contextDim}" height="${config.codeLength}"></canvas><figcaption>code: one row per token, one column per bit</figcaption></figure>
      <figure><canvas id="tok-recon" class="px" width="${size}" height="${size}"></canvas><figcaption id="tok-recon-caption">reconstruction</figcaption></figure>
    </div>
    <div id="tok-summary" class="status" data-testid="tok-summary"></div>
    <div id="tok-bytes" class="status hex"></div>
    <p class="note">The encoder maps the image to ${config.codeLength} tokens; LFQ keeps only the sign of each of their
    ${config.contextDim} channels, so the whole image is stored in those bits. The decoder is a rectified flow: it starts
    from Gaussian noise (the seed) and integrates to an image conditioned on the code, in the chosen number of Euler steps
    on the schedule t<sub>k</sub> = (k/n)<sup>ρ</sup>, with classifier-free guidance inside σ ∈ (0.17, 1.02) as the
    official sampler does. Different seeds give different decodings of the same code.</p>
    <div id="tok-status" class="status"></div>`;
  const $ = <T extends HTMLElement>(id: string) => root.querySelector<T>(`#${id}`)!;
  const input = $<HTMLCanvasElement>('tok-input');
  const recon = $<HTMLCanvasElement>('tok-recon');
  const status = $('tok-status');
  const runBtn = $<HTMLButtonElement>('tok-run');
  const samples = await loadSamples();
  let tokenizer: FlowmoTokenizer | null = null;

  // Drawing into the input canvas is asynchronous (toPixels, image decoding): a run waits for the
  // last one, so it never encodes the image shown before.
  let drawing: Promise<void> = Promise.resolve();
  const showSample = (pixels: Uint8Array) =>
    (drawing = (async () => {
      // The trainer's Fashion-MNIST images: [-1, 1] grey, bilinear 28 → size, replicated to RGB.
      // Half-pixel-centre bilinear is what @patchwork/datasets' resize computes when upsampling; that
      // one is not used here because it relies on tfjs chained ops, which a bundled app lacks.
      const x = tf.tidy(() => {
        const grey = tf.sub(tf.div(tf.tensor4d(pixels, [1, samples.height, samples.width, 1], 'float32'), 127.5), 1);
        return tf.tile(tf.image.resizeBilinear(grey as tf.Tensor4D, [size, size], false, true), [1, 1, 1, 3]) as tf.Tensor4D;
      });
      await showImage(x, input);
      x.dispose();
    })());
  await showSample(samples.samples[0]!.pixels);
  $('tok-samples').append(thumbnails(samples, (s) => void showSample(s.pixels)));
  const opened = new ImageFileInput($<HTMLInputElement>('tok-image'), (bitmap) => input.getContext('2d')!.drawImage(bitmap, 0, 0, size, size), (msg) => {
    status.className = 'status error';
    status.textContent = msg;
  });
  for (const id of ['tok-steps', 'tok-rho']) {
    $<HTMLInputElement>(id).addEventListener('input', (e) => ($(`${id}-out`).textContent = (e.target as HTMLInputElement).value));
  }

  mountWeightsPanel({
    root,
    container: $('tok-panel'),
    prefix: 'tok',
    choices: [
      { value: 'bundled', arch: ARCH, label: 'trained by apps/flowmo-train (bundled, short run)', url: 'weights/flowmo-small-fashion.safetensors', weak: 'SHORT RUN — 1,000 Stage 1A steps on a CPU: reconstructions are coarse' },
      { value: 'random', arch: ARCH, label: 'UNTRAINED: random init (seed 0)', url: null },
    ],
    build: () => new FlowmoTokenizer(config, { rng: new Rng(0) }),
    // apps/flowmo-train checkpoints hold raw and EMA weights; the EMA ones are what FlowMo evaluates.
    load: (model, dict) => void loadFlowmoCheckpoint(model, dict, { prefer: 'ema' }),
    onReady: (next) => {
      tokenizer?.dispose();
      tokenizer = next.eval();
      runBtn.disabled = false;
    },
  });

  runBtn.addEventListener('click', async () => {
    if (tokenizer === null) return;
    root.dataset.state = 'running';
    status.className = 'status';
    status.textContent = 'encoding and decoding…';
    try {
      const steps = Number($<HTMLInputElement>('tok-steps').value);
      const rho = Number($<HTMLInputElement>('tok-rho').value);
      const cfg = Number($<HTMLInputElement>('tok-cfg').value);
      const seed = Number($<HTMLInputElement>('tok-seed').value) || 0;
      await Promise.all([drawing, opened.ready()]);
      const x = canvasImage(input);
      const t0 = performance.now();
      let codes: FlowmoCodes;
      try {
        codes = tokenizer.encode(x);
      } finally {
        x.dispose();
      }
      // Decode from the serialised bytes, so what is shown is exactly what the code stores.
      const bytes = codes.toBytes();
      const decoded = tokenizer.decode(FlowmoCodes.fromBytes(bytes), { steps, rho, cfg, seed });
      await showImage(decoded, recon);
      decoded.dispose();
      const seconds = (performance.now() - t0) / 1000;
      drawCode(codes, $<HTMLCanvasElement>('tok-code'));
      const bits = codes.bits;
      const bpp = bits / (size * size);
      const psnr = psnr8(input, recon);
      const payload = Math.ceil(bits / 8);
      $('tok-summary').textContent =
        `${codes.codeLength} tokens × ${codes.channels} bits = ${bits} bits (${payload} bytes) for ${size}×${size} pixels → ${bpp.toFixed(4)} bits per pixel ` +
        `(the 8-bit RGB image is ${size * size * 24} bits: ${((size * size * 24) / bits).toFixed(0)}× smaller)\n` +
        `decoded in ${steps} steps, ρ = ${rho}, CFG ${cfg}, seed ${seed}: PSNR ${psnr.toFixed(2)} dB vs the input (${seconds.toFixed(1)} s)`;
      $('tok-bytes').textContent = `code bytes (${bytes.length - payload}-byte header + ${payload}): ${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
      $('tok-recon-caption').textContent = `reconstruction (${steps} steps, ρ ${rho}, seed ${seed})`;
      Object.assign(root.dataset, { bits: String(bits), bpp: String(bpp), psnr: psnr.toFixed(3), code: Array.from(codes.symbols).join('') });
      status.textContent = '';
      root.dataset.state = 'done';
    } catch (err) {
      status.className = 'status error';
      status.textContent = (err as Error).message;
      root.dataset.state = 'error';
    }
  });
}
