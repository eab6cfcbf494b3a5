/** Bundled Fashion-MNIST test images (public/samples/fashion-test.json, made by scripts/make-samples.mjs). */
export interface Sample {
  index: number;
  label: number;
  /** 28×28 uint8, row-major, white object on black. */
  pixels: Uint8Array;
}

export interface SampleSet {
  classNames: string[];
  height: number;
  width: number;
  samples: Sample[];
}

let cached: Promise<SampleSet> | null = null;

export function loadSamples(): Promise<SampleSet> {
  cached ??= (async () => {
    const res = await fetch(`${import.meta.env.BASE_URL}samples/fashion-test.json`);
    if (!res.ok) throw new Error(`cannot load bundled samples: HTTP ${res.status}`);
    const raw = (await res.json()) as { classNames: string[]; height: number; width: number; samples: { index: number; label: number; pixels: string }[] };
    return {
      classNames: raw.classNames,
      height: raw.height,
      width: raw.width,
      samples: raw.samples.map((s) => ({ index: s.index, label: s.label, pixels: Uint8Array.from(atob(s.pixels), (c) => c.charCodeAt(0)) })),
    };
  })();
  return cached;
}

/** Paint 8-bit grey pixels into a canvas of the same size. */
export function paintGrey(canvas: HTMLCanvasElement, pixels: Uint8Array): void {
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(canvas.width, canvas.height);
  for (let i = 0; i < pixels.length; i++) {
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = pixels[i]!;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** Read a canvas back as 8-bit grey (mean of RGB). */
export function readGrey(canvas: HTMLCanvasElement): Uint8Array {
  const { data } = canvas.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, canvas.width, canvas.height);
  const out = new Uint8Array(canvas.width * canvas.height);
  for (let i = 0; i < out.length; i++) out[i] = Math.round((data[4 * i]! + data[4 * i + 1]! + data[4 * i + 2]!) / 3);
  return out;
}

/** Draw a decoded image into a canvas (scaled to fit), as grey. */
export function drawGreyInto(canvas: HTMLCanvasElement, bitmap: ImageBitmap): void {
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  paintGrey(canvas, readGrey(canvas));
}

/** A strip of clickable thumbnails; calls `onPick` with the sample. */
export function thumbnails(set: SampleSet, onPick: (s: Sample, el: HTMLCanvasElement) => void): HTMLElement {
  const strip = document.createElement('div');
  strip.className = 'controls';
  for (const s of set.samples) {
    const c = document.createElement('canvas');
    c.width = set.width;
    c.height = set.height;
    c.className = 'thumb';
    c.title = `test #${s.index}: ${set.classNames[s.label]}`;
    c.dataset.label = String(s.label);
    c.dataset.testid = `sample-${s.label}`;
    paintGrey(c, s.pixels);
    c.addEventListener('click', () => {
      strip.querySelectorAll('canvas').forEach((o) => o.classList.remove('selected'));
      c.classList.add('selected');
      onPick(s, c);
    });
    strip.append(c);
  }
  return strip;
}
