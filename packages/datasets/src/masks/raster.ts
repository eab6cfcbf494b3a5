/**
 * Minimal rasteriser for mask drawing on a `height × width` byte canvas (row-major). Pixel
 * (x, y) is tested at its integer coordinates, as PIL's `ImageDraw` does, so strokes drawn with
 * the same vertices land on the same pixels up to edge rounding.
 */
export interface Canvas {
  data: Uint8Array;
  height: number;
  width: number;
}

/** A point in pixel coordinates: x = column, y = row. */
export type Point = readonly [number, number];

/** Set every pixel within `radius` of the segment a–b (a capsule: thick line with round caps). */
export function fillCapsule(canvas: Canvas, a: Point, b: Point, radius: number, value = 1): void {
  const { data, height, width } = canvas;
  const [ax, ay] = a;
  const [bx, by] = b;
  const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - radius));
  const x1 = Math.min(width - 1, Math.ceil(Math.max(ax, bx) + radius));
  const y0 = Math.max(0, Math.floor(Math.min(ay, by) - radius));
  const y1 = Math.min(height - 1, Math.ceil(Math.max(ay, by) + radius));
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const r2 = radius * radius;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      // Closest point of the segment to (x, y), then its squared distance.
      const t = len2 === 0 ? 0 : Math.min(1, Math.max(0, ((x - ax) * dx + (y - ay) * dy) / len2));
      const ex = x - (ax + t * dx);
      const ey = y - (ay + t * dy);
      if (ex * ex + ey * ey <= r2) data[y * width + x] = value;
    }
  }
}

/** Draw a polyline of the given stroke width with round joints and caps. */
export function drawPolyline(canvas: Canvas, points: readonly Point[], strokeWidth: number, value = 1): void {
  const radius = strokeWidth / 2;
  if (points.length === 1) fillCapsule(canvas, points[0]!, points[0]!, radius, value);
  for (let i = 1; i < points.length; i++) fillCapsule(canvas, points[i - 1]!, points[i]!, radius, value);
}

/** Fill the axis-aligned rectangle of rows [top, bottom) and columns [left, right), clipped to the canvas. */
export function fillRect(canvas: Canvas, top: number, left: number, bottom: number, right: number, value = 1): void {
  const { data, height, width } = canvas;
  const y0 = Math.max(0, top);
  const y1 = Math.min(height, bottom);
  const x0 = Math.max(0, left);
  const x1 = Math.min(width, right);
  for (let y = y0; y < y1; y++) data.fill(value, y * width + x0, y * width + Math.max(x0, x1));
}
