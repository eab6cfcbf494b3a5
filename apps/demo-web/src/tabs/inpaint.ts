import { ShapesDataset } from '@patchwork/datasets';
import { MatGenerator, inpaint, matPresetConfig } from '@patchwork/mat-inpaint';
import { Rng, tf } from '@patchwork/tensor-core';
import { ImageFileInput } from '../image-file.js';
import { mountWeightsPanel } from '../weights-panel.js';

const PRESET = 'mat-tiny-64';
const SIZE = 64;
const MAX_UNDO = 50;

/**
 * A apps/mat-train checkpoint holds G, D and G_ema (and their Adam states, already dropped):
 * take the EMA generator, as MAT's own inference does; a bare generator state dict is used as is.
 */
export function generatorStateDict(dict: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  for (const prefix of ['G_ema.', 'g_ema.', 'G.']) {
    const keys = Object.keys(dict).filter((k) => k.startsWith(prefix));
    if (keys.length > 0) return Object.fromEntries(keys.map((k) => [k.slice(prefix.length), dict[k]!]));
  }
  return dict;
}

export async function mountInpaint(root: HTMLElement): Promise<void> {
  root.innerHTML = `
    <h2>Inpainting (MAT, ${PRESET})</h2>
    <div id="mat-panel"></div>
    <div class="controls">
      <button id="mat-new-image">New shapes image</button>
      <label>or open an image <input id="mat-image" type="file" accept="image/*" /></label>
    </div>
    <div class="controls">
      <label>brush size <input id="mat-brush" type="range" min="1" max="16" step="1" value="6" /> <output id="mat-brush-out">6</output></label>
      <label><input id="mat-eraser" type="checkbox" /> eraser</label>
      <button id="mat-undo">Undo</button>
      <button id="mat-clear">Clear mask</button>
    </div>
    <div class="row">
      <figure><div class="stack"><canvas id="mat-image-canvas" class="px big" width="${SIZE}" height="${SIZE}"></canvas><canvas id="mat-mask-canvas" class="px big overlay" width="${SIZE}" height="${SIZE}"></canvas></div>
        <figcaption>image — paint the holes (red)</figcaption></figure>
      <figure><canvas id="mat-output" class="px big" width="${SIZE}" height="${SIZE}"></canvas><figcaption id="mat-output-caption">result</figcaption></figure>
    </div>
    <div class="controls">
      <label>seed <input id="mat-seed" type="number" value="0" style="width:5em" /></label>
      <button id="mat-run" disabled>Inpaint</button>
      <button id="mat-reroll" disabled>Re-roll seed</button>
      <a id="mat-download" download="inpainted.png" hidden><button>Download</button></a>
    </div>
    <div id="mat-status" class="status"></div>`;
  const $ = <T extends HTMLElement>(id: string) => root.querySelector<T>(`#${id}`)!;
  const imageCanvas = $<HTMLCanvasElement>('mat-image-canvas');
  const maskCanvas = $<HTMLCanvasElement>('mat-mask-canvas');
  const output = $<HTMLCanvasElement>('mat-output');
  const status = $('mat-status');
  const runBtn = $<HTMLButtonElement>('mat-run');
  const rerollBtn = $<HTMLButtonElement>('mat-reroll');
  const imgCtx = imageCanvas.getContext('2d', { willReadFrequently: true })!;
  const maskCtx = maskCanvas.getContext('2d')!;
  let generator: MatGenerator | null = null;
  /** 1 = hole (painted), 0 = known. */
  let hole: Uint8Array = new Uint8Array(SIZE * SIZE);
  const undo: Uint8Array[] = [];
  let shapesIndex = 0;
  const shapes = new ShapesDataset({ length: 1000, size: SIZE, seed: 7, objectsPerImage: [2, 4] });

  const drawMask = () => {
    const img = maskCtx.createImageData(SIZE, SIZE);
    for (let i = 0; i < hole.length; i++) {
      if (hole[i] === 1) {
        img.data[4 * i] = 255;
        img.data[4 * i + 3] = 160;
      }
    }
    maskCtx.putImageData(img, 0, 0);
    root.dataset.holes = String(hole.reduce((a, b) => a + b, 0));
  };
  const newShapes = () => {
    const { image } = shapes.get(shapesIndex++ % shapes.length);
    const img = imgCtx.createImageData(SIZE, SIZE);
    for (let i = 0; i < SIZE * SIZE; i++) {
      for (let c = 0; c < 3; c++) img.data[4 * i + c] = image.data[3 * i + c]!;
      img.data[4 * i + 3] = 255;
    }
    imgCtx.putImageData(img, 0, 0);
  };
  newShapes();
  drawMask();

  $('mat-new-image').addEventListener('click', newShapes);
  const opened = new ImageFileInput($<HTMLInputElement>('mat-image'), (bitmap) => imgCtx.drawImage(bitmap, 0, 0, SIZE, SIZE), (msg) => {
    status.className = 'status error';
    status.textContent = msg;
  });
  $<HTMLInputElement>('mat-brush').addEventListener('input', (e) => ($('mat-brush-out').textContent = (e.target as HTMLInputElement).value));
  $('mat-undo').addEventListener('click', () => {
    const prev = undo.pop();
    if (prev !== undefined) {
      hole = prev;
      drawMask();
    }
  });
  $('mat-clear').addEventListener('click', () => {
    undo.push(hole.slice());
    hole = new Uint8Array(SIZE * SIZE);
    drawMask();
  });

  // Brush: stamp discs along the pointer path, on the 64×64 grid.
  let painting = false;
  let last: [number, number] | null = null;
  const at = (e: PointerEvent): [number, number] => {
    const r = maskCanvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * SIZE, ((e.clientY - r.top) / r.height) * SIZE];
  };
  const stamp = (x: number, y: number) => {
    const radius = Number($<HTMLInputElement>('mat-brush').value) / 2;
    const value = $<HTMLInputElement>('mat-eraser').checked ? 0 : 1;
    for (let py = Math.max(0, Math.floor(y - radius)); py < Math.min(SIZE, Math.ceil(y + radius)); py++) {
      for (let px = Math.max(0, Math.floor(x - radius)); px < Math.min(SIZE, Math.ceil(x + radius)); px++) {
        if ((px + 0.5 - x) ** 2 + (py + 0.5 - y) ** 2 <= radius * radius) hole[py * SIZE + px] = value;
      }
    }
  };
  const strokeTo = (p: [number, number]) => {
    const from = last ?? p;
    const steps = Math.max(1, Math.ceil(Math.hypot(p[0] - from[0], p[1] - from[1])));
    for (let s = 1; s <= steps; s++) stamp(from[0] + ((p[0] - from[0]) * s) / steps, from[1] + ((p[1] - from[1]) * s) / steps);
    last = p;
    drawMask();
  };
  maskCanvas.addEventListener('pointerdown', (e) => {
    painting = true;
    maskCanvas.setPointerCapture(e.pointerId);
    undo.push(hole.slice());
    if (undo.length > MAX_UNDO) undo.shift();
    last = null;
    strokeTo(at(e));
  });
  maskCanvas.addEventListener('pointermove', (e) => {
    if (painting) strokeTo(at(e));
  });
  maskCanvas.addEventListener('pointerup', () => {
    painting = false;
    last = null;
  });

  mountWeightsPanel({
    root,
    container: $('mat-panel'),
    prefix: 'mat',
    choices: [
      {
        value: 'bundled',
        arch: PRESET,
        label: 'bundled: apps/mat-train, 20 steps (barely trained)',
        url: 'weights/mat-tiny-64.safetensors',
        weak: 'BARELY TRAINED — a 20-step run, fills are not realistic',
      },
      { value: 'random', arch: PRESET, label: 'UNTRAINED: random init (seed 0)', url: null },
    ],
    build: () => new MatGenerator(matPresetConfig(PRESET), { rng: new Rng(0) }),
    load: (model, dict) => void model.loadStateDict(generatorStateDict(dict)),
    onReady: (next) => {
      generator?.dispose();
      generator = next.eval();
      runBtn.disabled = rerollBtn.disabled = false;
    },
  });

  async function run(): Promise<void> {
    if (generator === null) return;
    root.dataset.state = 'running';
    status.className = 'status';
    status.textContent = 'inpainting…';
    try {
      await opened.ready();
      const seed = Number($<HTMLInputElement>('mat-seed').value) || 0;
      const rgba = imgCtx.getImageData(0, 0, SIZE, SIZE).data;
      const rgb = new Float32Array(SIZE * SIZE * 3);
      for (let i = 0; i < SIZE * SIZE; i++) for (let c = 0; c < 3; c++) rgb[3 * i + c] = rgba[4 * i + c]! / 127.5 - 1;
      const known = Float32Array.from(hole, (h) => 1 - h);
      const result = tf.tidy(() => {
        const out = inpaint(generator!, tf.tensor3d(rgb, [SIZE, SIZE, 3]), tf.tensor2d(known, [SIZE, SIZE]), { seed });
        return tf.clipByValue(tf.div(tf.add(out, 1), 2), 0, 1) as tf.Tensor3D;
      });
      await tf.browser.toPixels(result, output);
      result.dispose();
      $<HTMLAnchorElement>('mat-download').href = output.toDataURL('image/png');
      $<HTMLAnchorElement>('mat-download').hidden = false;
      $('mat-output-caption').textContent = `result (seed ${seed})`;
      status.textContent = `filled ${hole.reduce((a, b) => a + b, 0)} pixels`;
      root.dataset.seed = String(seed);
      root.dataset.state = 'done';
    } catch (err) {
      status.className = 'status error';
      status.textContent = (err as Error).message;
      root.dataset.state = 'error';
    }
  }
  runBtn.addEventListener('click', () => void run());
  rerollBtn.addEventListener('click', () => {
    const seedEl = $<HTMLInputElement>('mat-seed');
    seedEl.value = String((Number(seedEl.value) || 0) + 1);
    void run();
  });
}
