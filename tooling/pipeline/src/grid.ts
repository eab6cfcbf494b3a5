import type { RasterImage } from '@patchwork/train';

/** Options for {@link tileGrid}. */
export interface GridOptions {
  /** Tiles per row. */
  cols: number;
  /** Integer upscaling of every tile (nearest neighbour); default 1. */
  scale?: number;
  /** White gutter between and around tiles, in pixels; default 2. */
  gap?: number;
}

/**
 * Tile images (grey, RGB or RGBA; alpha dropped) row by row into one RGB image on white, each
 * upscaled `scale`× and placed in a cell as large as the largest tile.
 */
export function tileGrid(tiles: readonly RasterImage[], { cols, scale = 1, gap = 2 }: GridOptions): RasterImage {
  if (tiles.length === 0) throw new Error('tileGrid: no tiles');
  if (!Number.isInteger(cols) || cols < 1 || !Number.isInteger(scale) || scale < 1) throw new Error(`tileGrid: cols and scale must be positive integers, got ${cols} and ${scale}`);
  const cellW = Math.max(...tiles.map((t) => t.width)) * scale;
  const cellH = Math.max(...tiles.map((t) => t.height)) * scale;
  const columns = Math.min(cols, tiles.length);
  const rows = Math.ceil(tiles.length / columns);
  const width = columns * cellW + (columns + 1) * gap;
  const height = rows * cellH + (rows + 1) * gap;
  const data = new Uint8Array(width * height * 3).fill(255);
  tiles.forEach((t, k) => {
    if (t.data.length !== t.width * t.height * t.channels) throw new Error(`tileGrid: tile ${k} has ${t.data.length} bytes for ${t.width}×${t.height}×${t.channels}`);
    const ox = gap + (k % columns) * (cellW + gap);
    const oy = gap + Math.floor(k / columns) * (cellH + gap);
    for (let y = 0; y < t.height * scale; y++) {
      for (let x = 0; x < t.width * scale; x++) {
        const src = (Math.floor(y / scale) * t.width + Math.floor(x / scale)) * t.channels;
        const dst = ((oy + y) * width + ox + x) * 3;
        for (let c = 0; c < 3; c++) data[dst + c] = t.data[src + (t.channels === 1 ? 0 : c)]!;
      }
    }
  });
  return { width, height, channels: 3, data };
}
