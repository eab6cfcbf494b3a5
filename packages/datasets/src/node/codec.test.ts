import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FormatError } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { ShapesDataset } from '../synthetic/shapes.js';
import { decodeImage, encodeImage, readImage, writeImage } from './codec.js';

const { image } = new ShapesDataset({ length: 1, size: 40, seed: 5 }).get(0);

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

describe('image codec (sharp)', () => {
  it('round-trips PNG and lossless WebP exactly, JPEG and lossy WebP closely', async () => {
    for (const [format, lossless] of [['png', false], ['webp', true]] as const) {
      const back = await decodeImage(await encodeImage(image, format, { lossless }));
      expect(back).toEqual(image);
    }
    for (const format of ['jpeg', 'webp'] as const) {
      const back = await decodeImage(await encodeImage(image, format, { quality: 95 }));
      expect(back).toMatchObject({ height: 40, width: 40, channels: 3 });
      // The per-pixel noise of the synthetic texture is the hardest content for lossy codecs.
      expect(meanAbsDiff(back.data, image.data)).toBeLessThan(12);
    }
  });

  it('converts between grey and RGB on decode', async () => {
    const grey = { data: Uint8Array.from({ length: 12 }, (_, i) => i * 20), height: 3, width: 4, channels: 1 as const };
    const png = await encodeImage(grey, 'png');
    expect(await decodeImage(png, { channels: 1 })).toEqual(grey);
    const rgb = await decodeImage(png, { channels: 3 });
    expect(rgb.channels).toBe(3);
    expect(Array.from(rgb.data.subarray(3, 6))).toEqual([20, 20, 20]);
    const fromRgb = await decodeImage(await encodeImage(image, 'png'), { channels: 1 });
    expect(fromRgb.data.length).toBe(40 * 40);
  });

  it('raises a FormatError naming the file for corrupt and truncated data', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codec-'));
    for (const format of ['png', 'jpeg', 'webp'] as const) {
      const bytes = await encodeImage(image, format);
      const file = path.join(dir, `cut.${format}`);
      fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
      await expect(readImage(file)).rejects.toThrow(FormatError);
      await expect(readImage(file)).rejects.toThrow(new RegExp(`cut\\.${format}: cannot decode image`));
    }
    const junk = path.join(dir, 'junk.png');
    fs.writeFileSync(junk, 'not an image at all');
    await expect(readImage(junk)).rejects.toThrow(/junk\.png: cannot decode image/);
    await expect(readImage(path.join(dir, 'missing.png'))).rejects.toThrow(/missing\.png: cannot read/);
    await writeImage(path.join(dir, 'ok.jpg'), image);
    expect((await readImage(path.join(dir, 'ok.jpg'))).width).toBe(40);
    await expect(writeImage(path.join(dir, 'x.bmp'), image)).rejects.toThrow(/extension must be one of/);
    fs.rmSync(dir, { recursive: true });
  });
});
