import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeIdx } from './idx.js';
import { FASHION_MNIST_PIXELS } from './fashion-mnist.js';
import { BUNDLED_FASHION_MNIST_DIR, DEBIAN_FASHION_MNIST_DIR, loadFashionMnist } from './fashion-mnist-files.js';

describe('Fashion-MNIST', () => {
  it('loads the bundled real subset with balanced labels', () => {
    const train = loadFashionMnist({ split: 'train' });
    const test = loadFashionMnist({ split: 'test' });
    expect(train.shape).toEqual([2000, 28, 28, 1]);
    expect(test.shape).toEqual([500, 28, 28, 1]);
    const named = loadFashionMnist({ split: 'test', dir: 'bundled' });
    expect(named.shape).toEqual(test.shape);
    expect(named.labels).toEqual(test.labels);
    const counts = new Array(10).fill(0);
    for (const l of train.labels) counts[l]++;
    expect(Math.min(...counts)).toBeGreaterThan(150);
    // Real photos, not noise: plenty of background zeros and a full intensity range.
    const zeros = train.images.filter((v) => v === 0).length / train.images.length;
    expect(zeros).toBeGreaterThan(0.3);
    expect(Math.max(...train.images.subarray(0, 784))).toBeGreaterThan(200);
  });

  it.runIf(fs.existsSync(DEBIAN_FASHION_MNIST_DIR))('reads the full Debian set and the bundle is its prefix', () => {
    const full = loadFashionMnist({ split: 'test', dir: 'debian' });
    expect(full.shape[0]).toBe(10000);
    const sub = loadFashionMnist({ split: 'test' });
    expect(Array.from(full.images.subarray(0, 784 * 3))).toEqual(Array.from(sub.images.subarray(0, 784 * 3)));
    expect(loadFashionMnist({ split: 'train', dir: 'debian', limit: 10 }).labels.length).toBe(10);
  });

  it.runIf(fs.existsSync(DEBIAN_FASHION_MNIST_DIR))('FASHION_MNIST_PIXELS are the training set statistics', () => {
    const { images } = loadFashionMnist({ split: 'train', dir: 'debian' });
    let sum = 0;
    let sq = 0;
    for (const v of images) {
      sum += v / 255;
      sq += (v / 255) ** 2;
    }
    const mean = sum / images.length;
    expect(mean).toBeCloseTo(FASHION_MNIST_PIXELS.mean, 3);
    expect(Math.sqrt(sq / images.length - mean ** 2)).toBeCloseTo(FASHION_MNIST_PIXELS.std, 3);
  });

  it('names the file for truncated, corrupt and missing data', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fmnist-'));
    const good = fs.readFileSync(path.join(BUNDLED_FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz'));
    fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte.gz'), good);
    fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte.gz'), good.subarray(0, 20));
    expect(() => loadFashionMnist({ split: 'test', dir })).toThrow(/t10k-images-idx3-ubyte.gz: corrupt gzip/);
    fs.rmSync(path.join(dir, 't10k-images-idx3-ubyte.gz'));
    expect(() => loadFashionMnist({ split: 'test', dir })).toThrow(/neither t10k-images-idx3-ubyte.gz nor/);
    const idx = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 9, 1, 2]);
    expect(() => decodeIdx(idx, 'x.idx')).toThrow(/x.idx: truncated: header says \[9\]/);
    expect(() => decodeIdx(new Uint8Array([1, 2, 8, 1]), 'y')).toThrow(/not an IDX file/);
  });
});
