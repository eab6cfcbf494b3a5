import { IMAGENET_MEAN, IMAGENET_STD, SHAPE_CLASSES, ShapesDataset } from '@patchwork/datasets';
import type { LabelMap } from '@patchwork/datasets';
import { createMobileNetV2 } from '@patchwork/mobilenetv2';
import { Feature2Pyramid, SegmentationModel, UPerHead, mobileDeepLabV3Head, mobileNetV2Backbone, vitBackbone } from '@patchwork/segmentation-heads';
import { Rng, tf } from '@patchwork/tensor-core';
import { VisionTransformer } from '@patchwork/vit';
import { ImageFileInput } from '../image-file.js';
import { mountWeightsPanel } from '../weights-panel.js';

const SIZE = 64;
const CLASS_NAMES = ['background', ...SHAPE_CLASSES];
/** The model names apps/segment-train writes into its checkpoints. */
const VIT_UPERNET = 'segment-train/vit-upernet';
const MOBILENET_DEEPLAB = 'segment-train/mobilenetv2-deeplabv3';
/** RGB per class; background is left see-through in the overlay. */
const PALETTE: readonly (readonly [number, number, number])[] = [
  [0, 0, 0],
  [230, 25, 75],
  [60, 180, 75],
  [0, 130, 200],
  [255, 225, 25],
  [245, 130, 48],
];
/** Held-out images: apps/segment-train's test split of the shapes set (seed 0 → generator seed 2). */
const TEST_SET = { length: 200, size: SIZE, seed: 2, objectsPerImage: [1, 3] as const };
const THUMBS = 8;

/**
 * apps/segment-train's two models at its default sizes (see the README for the commands), 6
 * classes. The FCN auxiliary head only adds a training loss, so it is not built.
 * - `vit-upernet`: ViT (patch 8, 96 wide, 6 blocks, 3 heads, no head or final norm) →
 *   Feature2Pyramid → UperNet with 32 channels;
 * - `mobilenetv2-deeplabv3`: MobileNetV2 ×0.5 (stem stride 2, output stride 8) → Mobile DeepLabv3
 *   head with 32 channels on its deepest level.
 */
function build(arch: string): SegmentationModel {
  const rng = new Rng(0);
  const numClasses = CLASS_NAMES.length;
  if (arch === MOBILENET_DEEPLAB) {
    const backbone = mobileNetV2Backbone(createMobileNetV2('mobilenet_v2_0.5', { inChans: 3, outputStride: 8, stemStride: 2 }, { rng }));
    const deepest = backbone.levels[3]!;
    return new SegmentationModel({ backbone, decodeHead: mobileDeepLabV3Head({ inChannels: deepest.channels, inIndex: 3, channels: 32, numClasses }, { rng }) });
  }
  const embedDim = 96;
  const vit = new VisionTransformer(
    { imgSize: SIZE, patchSize: 8, inChans: 3, embedDim, depth: 6, numHeads: 3, numClasses: 0, finalNorm: false, dynamicImgSize: true },
    { rng },
  );
  return new SegmentationModel({
    backbone: vitBackbone(vit),
    neck: new Feature2Pyramid({ embedDim, rescales: [2, 1, 0.5, 0.25] }, { rng }),
    decodeHead: new UPerHead({ inChannels: [embedDim, embedDim, embedDim, embedDim], channels: 32, numClasses, poolScales: [1, 2, 3, 6] }, { rng }),
  });
}

/** Image pixels blended with the class colours (`alpha` 0…1) where the class is not background. */
function overlay(canvas: HTMLCanvasElement, rgba: Uint8ClampedArray, classes: ArrayLike<number>, alpha: number): void {
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(SIZE, SIZE);
  for (let i = 0; i < SIZE * SIZE; i++) {
    const k = classes[i]!;
    for (let c = 0; c < 3; c++) img.data[4 * i + c] = k === 0 ? rgba[4 * i + c]! : Math.round((1 - alpha) * rgba[4 * i + c]! + alpha * PALETTE[k]![c]!);
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

function paintRgb(canvas: HTMLCanvasElement, rgb: Uint8Array): void {
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(canvas.width, canvas.height);
  for (let i = 0; i < canvas.width * canvas.height; i++) {
    for (let c = 0; c < 3; c++) img.data[4 * i + c] = rgb[3 * i + c]!;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

export function mountSegment(root: HTMLElement): void {
  root.innerHTML = `
    <h2>Semantic segmentation (apps/segment-train on procedural shapes)</h2>
    <div id="seg-panel"></div>
    <p>Pick a held-out image of the procedural shapes set (the trainer's test split), or open any image (scaled to ${SIZE}×${SIZE}):</p>
    <div id="seg-samples" class="controls"></div>
    <div class="controls">
      <button id="seg-more">More images</button>
      <input id="seg-image" type="file" accept="image/*" />
      <label>overlay opacity <input id="seg-alpha" type="range" min="0" max="1" step="0.05" value="0.7" /></label>
      <button id="seg-run" disabled>Segment</button>
    </div>
    <div class="row">
      <figure><canvas id="seg-input" class="px big" width="${SIZE}" height="${SIZE}"></canvas><figcaption id="seg-input-caption">image</figcaption></figure>
      <figure><canvas id="seg-overlay" class="px big" width="${SIZE}" height="${SIZE}"></canvas><figcaption>predicted classes</figcaption></figure>
      <figure><canvas id="seg-truth" class="px big" width="${SIZE}" height="${SIZE}"></canvas><figcaption id="seg-truth-caption">ground truth</figcaption></figure>
      <ul id="seg-legend" class="legend" data-testid="seg-legend">${CLASS_NAMES.map(
        (n, k) => `<li data-class="${k}"><span class="swatch" style="background: rgb(${PALETTE[k]!.join(',')})"></span>${n} <span class="share"></span></li>`,
      ).join('')}</ul>
    </div>
    <div id="seg-status" class="status"></div>`;
  const $ = <T extends HTMLElement>(id: string) => root.querySelector<T>(`#${id}`)!;
  const input = $<HTMLCanvasElement>('seg-input');
  const truthCanvas = $<HTMLCanvasElement>('seg-truth');
  const status = $('seg-status');
  const runBtn = $<HTMLButtonElement>('seg-run');
  const test = new ShapesDataset({ ...TEST_SET, objectsPerImage: [...TEST_SET.objectsPerImage] });
  const inputCtx = input.getContext('2d', { willReadFrequently: true })!;
  let model: SegmentationModel | null = null;
  let truth: LabelMap | null = null;
  let prediction: Int32Array | null = null;
  let first = 0;

  const pixels = () => inputCtx.getImageData(0, 0, SIZE, SIZE).data;
  const drawOverlays = () => {
    const alpha = Number($<HTMLInputElement>('seg-alpha').value);
    if (prediction !== null) overlay($<HTMLCanvasElement>('seg-overlay'), pixels(), prediction, alpha);
    if (truth !== null) overlay(truthCanvas, pixels(), truth.data, alpha);
  };
  /** A new input: the old prediction no longer applies. */
  const clearPrediction = () => {
    prediction = null;
    const overlayCanvas = $<HTMLCanvasElement>('seg-overlay');
    overlayCanvas.getContext('2d')!.clearRect(0, 0, SIZE, SIZE);
    for (const share of root.querySelectorAll('#seg-legend .share')) share.textContent = '';
    delete root.dataset.predicted;
  };
  const pick = (index: number) => {
    clearPrediction();
    const e = test.get(index);
    paintRgb(input, e.image.data);
    truth = e.segmentation;
    root.dataset.truth = [...new Set(truth.data)].sort().join(',');
    $('seg-input-caption').textContent = `test image #${index}`;
    $('seg-truth-caption').textContent = 'ground truth';
    drawOverlays();
  };
  const fillStrip = () => {
    const strip = $('seg-samples');
    strip.innerHTML = '';
    for (let i = first; i < first + THUMBS; i++) {
      const c = document.createElement('canvas');
      c.width = c.height = SIZE;
      c.className = 'thumb';
      c.dataset.testid = `seg-sample-${i - first}`;
      c.title = `test image #${i}`;
      paintRgb(c, test.get(i).image.data);
      c.addEventListener('click', () => {
        strip.querySelectorAll('canvas').forEach((o) => o.classList.remove('selected'));
        c.classList.add('selected');
        pick(i);
      });
      strip.append(c);
    }
  };
  fillStrip();
  pick(0);
  $('seg-more').addEventListener('click', () => {
    first = (first + THUMBS) % (test.length - THUMBS);
    fillStrip();
  });
  const opened = new ImageFileInput($<HTMLInputElement>('seg-image'), (bitmap, file) => {
    inputCtx.drawImage(bitmap, 0, 0, SIZE, SIZE);
    clearPrediction();
    truth = null;
    delete root.dataset.truth;
    truthCanvas.getContext('2d')!.clearRect(0, 0, SIZE, SIZE);
    $('seg-input-caption').textContent = `from ${file.name}`;
    $('seg-truth-caption').textContent = 'ground truth: none for your own image';
  }, (msg) => {
    status.className = 'status error';
    status.textContent = msg;
  });
  $<HTMLInputElement>('seg-alpha').addEventListener('input', drawOverlays);

  mountWeightsPanel({
    root,
    container: $('seg-panel'),
    prefix: 'seg',
    choices: [
      {
        value: 'vit-bundled',
        arch: VIT_UPERNET,
        label: 'ViT + UperNet, trained by apps/segment-train on shapes (bundled)',
        url: 'weights/segment-vit-upernet-shapes.safetensors',
        weak: 'SHORT RUN — finds the shapes, tells circles and rings apart, not yet squares, triangles or crosses',
      },
      { value: 'vit-random', arch: VIT_UPERNET, label: 'ViT + UperNet — for your own file (Load: UNTRAINED random init)', url: null },
      { value: 'mobilenet-random', arch: MOBILENET_DEEPLAB, label: 'MobileNetV2 + DeepLabv3 — for your own file (Load: UNTRAINED random init)', url: null },
    ],
    build,
    // A checkpoint of apps/segment-train names its model: load it as that one whatever is selected.
    archForFile: (modelName, selected) => (modelName === VIT_UPERNET || modelName === MOBILENET_DEEPLAB ? modelName : selected),
    // Checkpoints also hold the auxiliary FCN head (a training-only loss): inference does without it.
    load: (m, dict) => void m.loadStateDict(Object.fromEntries(Object.entries(dict).filter(([k]) => !k.startsWith('auxiliary_head.')))),
    onReady: (next) => {
      model?.dispose();
      model = next.eval();
      runBtn.disabled = false;
    },
  });

  runBtn.addEventListener('click', async () => {
    if (model === null) return;
    root.dataset.state = 'running';
    try {
      await opened.ready();
      // apps/segment-train's test pipeline: [0, 1] pixels, ImageNet mean/std (written out here:
      // @patchwork/datasets' normalize relies on tfjs chained ops, which a bundled app lacks).
      const pred = tf.tidy(() => {
        const x = tf.div(tf.sub(tf.div(tf.browser.fromPixels(input, 3), 255), tf.tensor1d([...IMAGENET_MEAN])), tf.tensor1d([...IMAGENET_STD]));
        return model!.predict(tf.expandDims(x, 0));
      });
      prediction = (await pred.data()) as Int32Array;
      pred.dispose();
      drawOverlays();
      const counts = new Array<number>(CLASS_NAMES.length).fill(0);
      for (const k of prediction) counts[k]!++;
      for (const li of root.querySelectorAll<HTMLLIElement>('#seg-legend li')) {
        const share = counts[Number(li.dataset.class)]! / prediction.length;
        li.querySelector('.share')!.textContent = `${(100 * share).toFixed(1)} %`;
        li.classList.toggle('absent', share === 0);
      }
      // Classes covering at least 1 % of the image: what the overlay shows, without stray pixels.
      root.dataset.predicted = counts.flatMap((n, k) => (n >= 0.01 * prediction!.length ? [k] : [])).join(',');
      if (truth !== null) {
        // Per class, and shape-vs-background only (whatever the class): short runs learn the second first.
        let correct = 0;
        let shapeCorrect = 0;
        for (let i = 0; i < prediction.length; i++) {
          if (prediction[i] === truth.data[i]) correct++;
          if ((prediction[i] === 0) === (truth.data[i] === 0)) shapeCorrect++;
        }
        root.dataset.pixelAccuracy = (correct / prediction.length).toFixed(4);
        root.dataset.shapeAccuracy = (shapeCorrect / prediction.length).toFixed(4);
        status.textContent =
          `pixel accuracy vs ground truth: ${((100 * correct) / prediction.length).toFixed(1)} % ` +
          `(shape vs background: ${((100 * shapeCorrect) / prediction.length).toFixed(1)} %)`;
      } else {
        delete root.dataset.pixelAccuracy;
        delete root.dataset.shapeAccuracy;
        status.textContent = '';
      }
      status.className = 'status';
      root.dataset.state = 'done';
    } catch (err) {
      status.className = 'status error';
      status.textContent = (err as Error).message;
      root.dataset.state = 'error';
    }
  });
}
