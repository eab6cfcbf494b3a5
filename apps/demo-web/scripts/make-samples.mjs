#!/usr/bin/env node
// Write public/samples/fashion-test.json: the first test image of each Fashion-MNIST class from
// the real subset bundled in @patchwork/datasets (28×28 uint8, base64), with its true label.
//   node scripts/make-samples.mjs
import fs from 'node:fs';
import path from 'node:path';
import { loadFashionMnist } from '@patchwork/datasets/node';

const test = loadFashionMnist({ split: 'test' });
const [n, h, w] = test.shape;
const samples = [];
for (let label = 0; label < test.classNames.length; label++) {
  for (let i = 0; i < n; i++) {
    if (test.labels[i] !== label) continue;
    const pixels = Buffer.from(test.images.subarray(i * h * w, (i + 1) * h * w));
    samples.push({ index: i, label, pixels: pixels.toString('base64') });
    break;
  }
}
const out = path.join(import.meta.dirname, '../public/samples/fashion-test.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ source: '@patchwork/datasets bundled Fashion-MNIST test subset', height: h, width: w, classNames: test.classNames, samples }, null, 1) + '\n');
console.log(`${out}: ${samples.length} samples`);
