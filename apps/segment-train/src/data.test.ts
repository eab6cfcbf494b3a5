import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUNDLED_FASHION_MNIST_DIR } from '@patchwork/datasets/node';
import { describe, expect, it } from 'vitest';
import { loadData } from './data.js';

const SPEC = { data: 'fashion-mosaic', layout: 'ade20k', imageSize: 64, trainSize: 6, testSize: 3, seed: 0 } as const;

describe('loadData fashion-mosaic sources', () => {
  it('builds the mosaics from the folder fashionSource names (the bundled folder gives the default set)', async () => {
    const byDefault = await loadData(SPEC);
    const fromFolder = await loadData({ ...SPEC, fashionSource: BUNDLED_FASHION_MNIST_DIR });
    expect(fromFolder.train.map((e) => Buffer.from(e.image.data).toString('base64'))).toEqual(byDefault.train.map((e) => Buffer.from(e.image.data).toString('base64')));
    expect(fromFolder.test[2]!.label.data).toEqual(byDefault.test[2]!.label.data);
    expect(byDefault.classNames).toHaveLength(11);
  });

  it('names a folder without Fashion-MNIST files', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'seg-fm-'));
    await expect(loadData({ ...SPEC, fashionSource: empty })).rejects.toThrow(/train-images-idx3-ubyte\.gz nor train-images-idx3-ubyte found in/);
  });
});
