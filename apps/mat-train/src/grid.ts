import { encodePng } from '@patchwork/train';

/**
 * A PNG of `columns[c]` side by side for each of `rows` images: each column holds `[rows, size,
 * size, 3]` pixels in [−1, 1] (row-major, as `dataSync()` gives), upscaled `scale`× (nearest) with
 * a 2-pixel white border around every cell.
 */
export function imageGrid(columns: ArrayLike<number>[], rows: number, size: number, scale = 2): Buffer {
  const cell = size * scale + 4;
  const width = columns.length * cell;
  const height = rows * cell;
  const data = new Uint8Array(width * height * 3).fill(255);
  for (let r = 0; r < rows; r++) {
    columns.forEach((px, c) => {
      for (let y = 0; y < size * scale; y++) {
        for (let x = 0; x < size * scale; x++) {
          const src = ((r * size + Math.floor(y / scale)) * size + Math.floor(x / scale)) * 3;
          const dst = ((r * cell + 2 + y) * width + c * cell + 2 + x) * 3;
          for (let k = 0; k < 3; k++) data[dst + k] = Math.round(Math.min(Math.max((px[src + k]! + 1) * 127.5, 0), 255));
        }
      }
    });
  }
  return encodePng({ width, height, channels: 3, data });
}
