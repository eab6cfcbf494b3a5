import type { RasterImage } from './png.js';

/** One line of a {@link linePlot}. */
export interface Series {
  points: [number, number][];
  /** RGB colour. */
  color?: [number, number, number];
}

const PALETTE: [number, number, number][] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
];

// 3×5 bitmap glyphs for tick labels, one 15-bit row-major mask per character.
const GLYPHS: Record<string, number> = {
  '0': 0b111101101101111,
  '1': 0b010110010010111,
  '2': 0b111001111100111,
  '3': 0b111001111001111,
  '4': 0b101101111001001,
  '5': 0b111100111001111,
  '6': 0b111100111101111,
  '7': 0b111001001001001,
  '8': 0b111101111101111,
  '9': 0b111101111001111,
  '.': 0b000000000000010,
  '-': 0b000000111000000,
  e: 0b000111111100111,
  '+': 0b000010111010000,
};

class Canvas {
  readonly data: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8Array(width * height * 3).fill(255);
  }
  set(x: number, y: number, c: readonly number[]): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.data.set(c.slice(0, 3), (y * this.width + x) * 3);
  }
  line(x0: number, y0: number, x1: number, y1: number, c: readonly number[], thick = 1): void {
    const n = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let i = 0; i <= n; i++) {
      const x = x0 + ((x1 - x0) * i) / n;
      const y = y0 + ((y1 - y0) * i) / n;
      for (let d = 0; d < thick; d++) this.set(x, y + d - Math.floor(thick / 2), c);
    }
  }
  text(s: string, x: number, y: number, scale = 2, c: readonly number[] = [60, 60, 60]): void {
    for (const [k, ch] of [...s].entries()) {
      const g = GLYPHS[ch] ?? 0;
      for (let r = 0; r < 5; r++)
        for (let col = 0; col < 3; col++)
          if ((g >> (14 - (r * 3 + col))) & 1)
            for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) this.set(x + (k * 4 + col) * scale + dx, y + r * scale + dy, c);
    }
  }
}

function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-2 || a >= 1e4)) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

/**
 * Render series as a line chart (RGB) with axes and numeric min/max tick labels; titles and
 * legends belong in the report text next to the image. `logY` plots log10 of y.
 */
export function linePlot(series: Series[], { width = 480, height = 300, logY = false }: { width?: number; height?: number; logY?: boolean } = {}): RasterImage {
  const cv = new Canvas(width, height);
  const tx = (y: number) => (logY ? Math.log10(Math.max(y, 1e-12)) : y);
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(tx(y)));
  const left = 56;
  const bottom = height - 22;
  const top = 10;
  const right = width - 10;
  cv.line(left, top, left, bottom, [0, 0, 0]);
  cv.line(left, bottom, right, bottom, [0, 0, 0]);
  if (pts.length === 0) return { width, height, channels: 3, data: cv.data };
  const x0 = Math.min(...pts.map((p) => p[0]));
  let x1 = Math.max(...pts.map((p) => p[0]));
  let [y0, y1] = [Math.min(...pts.map((p) => tx(p[1]))), Math.max(...pts.map((p) => tx(p[1])))];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const px = (x: number) => left + ((x - x0) / (x1 - x0)) * (right - left);
  const py = (y: number) => bottom - ((tx(y) - y0) / (y1 - y0)) * (bottom - top);
  for (let i = 1; i <= 4; i++) {
    const gy = top + ((bottom - top) * i) / 4;
    cv.line(left + 1, gy, right, gy, [230, 230, 230]);
  }
  cv.text(tickLabel(logY ? 10 ** y1 : y1), 2, top);
  cv.text(tickLabel(logY ? 10 ** y0 : y0), 2, bottom - 10);
  cv.text(tickLabel(x0), left, bottom + 6);
  const xl = tickLabel(x1);
  cv.text(xl, right - xl.length * 8, bottom + 6);
  series.forEach((s, i) => {
    const c = s.color ?? PALETTE[i % PALETTE.length]!;
    const valid = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(tx(y)));
    for (let k = 1; k < valid.length; k++) cv.line(px(valid[k - 1]![0]), py(valid[k - 1]![1]), px(valid[k]![0]), py(valid[k]![1]), c, 2);
    if (valid.length === 1) cv.line(px(valid[0]![0]) - 2, py(valid[0]![1]), px(valid[0]![0]) + 2, py(valid[0]![1]), c, 3);
  });
  return { width, height, channels: 3, data: cv.data };
}
