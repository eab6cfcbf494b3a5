import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FormatError } from '@patchwork/tensor-core';
import { afterAll, describe, expect, it } from 'vitest';
import { ShapesDataset } from '../synthetic/shapes.js';
import { encodeImage } from './codec.js';
import { ImageFolderDataset } from './image-folder.js';
import { SegmentationFolderDataset } from './segmentation-folder.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'folders-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const shapes = new ShapesDataset({ length: 12, size: 16, seed: 2 });
const fixtures = new URL('./__fixtures__/', import.meta.url);

async function write(file: string, bytes: Uint8Array | string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
}

describe('ImageFolderDataset', () => {
  it('lists classes sorted by name, decodes lazily, and skips-and-reports bad files', async () => {
    const dir = path.join(root, 'classify');
    await write(path.join(dir, 'dog', 'a.png'), await encodeImage(shapes.get(0).image, 'png'));
    await write(path.join(dir, 'dog', 'nested', 'b.webp'), await encodeImage(shapes.get(1).image, 'webp', { lossless: true }));
    await write(path.join(dir, 'cat', 'c.jpg'), await encodeImage(shapes.get(2).image, 'jpeg'));
    await write(path.join(dir, 'cat', 'd.png'), 'broken');
    await write(path.join(dir, 'cat', 'notes.txt'), 'ignored');
    await write(path.join(dir, 'Zebra', 'e.png'), await encodeImage(shapes.get(3).image, 'png'));

    const strict = new ImageFolderDataset({ root: dir });
    expect(strict.classNames).toEqual(['Zebra', 'cat', 'dog']);
    expect(strict.files.map((f) => path.relative(dir, f))).toEqual(['Zebra/e.png', 'cat/c.jpg', 'cat/d.png', 'dog/a.png', 'dog/nested/b.webp']);
    expect(Array.from(strict.labels)).toEqual([0, 1, 1, 2, 2]);
    const first = await strict.get(3);
    expect(first.image).toEqual(shapes.get(0).image);
    expect(first.label).toBe(2);
    await expect(strict.get(2)).rejects.toThrow(FormatError);
    await expect(strict.get(2)).rejects.toThrow(/cat\/d\.png: cannot decode image/);

    const lenient = new ImageFolderDataset({ root: dir, onError: 'skip', channels: 1 });
    const replaced = await lenient.get(2);
    expect(replaced.file).toBe(path.join(dir, 'dog', 'a.png'));
    expect(replaced.image.channels).toBe(1);
    expect(lenient.skipped).toEqual([{ file: path.join(dir, 'cat', 'd.png'), reason: expect.stringMatching(/cannot decode image/) }]);
    await lenient.get(2);
    expect(lenient.skipped).toHaveLength(1);
  });

  it('fails clearly on empty or missing folders', () => {
    fs.mkdirSync(path.join(root, 'empty', 'a'), { recursive: true });
    expect(() => new ImageFolderDataset({ root: path.join(root, 'empty') })).toThrow(/no images in class sub-folders/);
    expect(() => new ImageFolderDataset({ root: path.join(root, 'nope') })).toThrow(/cannot list folder/);
  });
});

describe('SegmentationFolderDataset', () => {
  it('reads the ADE20K layout with reduce_zero_label (0 → 255, k → k − 1)', async () => {
    const dir = path.join(root, 'ade');
    const img = { data: new Uint8Array(37 * 23 * 3).fill(90), height: 23, width: 37, channels: 3 as const };
    await write(path.join(dir, 'images', 'training', 'ADE_train_1.jpg'), await encodeImage(img, 'jpeg'));
    await write(path.join(dir, 'annotations', 'training', 'ADE_train_1.png'), fs.readFileSync(new URL('labels-grey8.png', fixtures)));
    const ds = new SegmentationFolderDataset({ root: dir, layout: 'ade20k', split: 'train' });
    expect(ds.reduceZeroLabel).toBe(true);
    const { label, image } = await ds.get(0);
    expect(image).toMatchObject({ height: 23, width: 37, channels: 3 });
    const raw = new SegmentationFolderDataset({ root: dir, layout: 'ade20k', split: 'training', reduceZeroLabel: false });
    const original = (await raw.get(0)).label.data;
    original.forEach((v, i) => expect(label.data[i]).toBe(v === 0 || v === 255 ? 255 : v - 1));
    expect(() => new SegmentationFolderDataset({ root: dir, layout: 'ade20k', split: 'test' })).toThrow(/split must be one of/);
  });

  it('reads the VOC layout with palette indices, and rejects mismatched or missing labels', async () => {
    const dir = path.join(root, 'voc');
    const img = { data: new Uint8Array(37 * 23 * 3).fill(30), height: 23, width: 37, channels: 3 as const };
    await write(path.join(dir, 'JPEGImages', '2007_000032.jpg'), await encodeImage(img, 'jpeg'));
    await write(path.join(dir, 'SegmentationClass', '2007_000032.png'), fs.readFileSync(new URL('labels-palette8.png', fixtures)));
    await write(path.join(dir, 'JPEGImages', 'small.jpg'), await encodeImage({ ...img, data: img.data.subarray(0, 10 * 10 * 3), height: 10, width: 10 }, 'jpeg'));
    await write(path.join(dir, 'SegmentationClass', 'small.png'), fs.readFileSync(new URL('labels-palette8.png', fixtures)));
    await write(path.join(dir, 'JPEGImages', 'nolabel.jpg'), await encodeImage(img, 'jpeg'));
    await write(path.join(dir, 'ImageSets', 'Segmentation', 'val.txt'), '2007_000032\nsmall\nnolabel\n');
    const ds = new SegmentationFolderDataset({ root: dir, layout: 'voc', split: 'val' });
    expect(ds.length).toBe(3);
    const { label } = await ds.get(0);
    expect(label.data[0]).toBe(255); // (0 + 0) % 13 == 0 → the VOC "void" index
    expect(label.data[1]).toBe(7);
    await expect(ds.get(1)).rejects.toThrow(/small\.jpg \/ .*small\.png: image is 10×10 but its label map is 23×37/);
    await expect(ds.get(2)).rejects.toThrow(/nolabel\.png: cannot read label map/);
    const lenient = new SegmentationFolderDataset({ root: dir, layout: 'voc', split: 'val', onError: 'skip' });
    expect((await lenient.get(1)).imageFile).toMatch(/2007_000032\.jpg$/);
    expect(lenient.skipped.map((s) => path.basename(s.file))).toEqual(['small.jpg', 'nolabel.jpg']);
    expect(() => new SegmentationFolderDataset({ root: dir, layout: 'voc', split: 'train' })).toThrow(/train\.txt: VOC split list not found/);
  });
});
