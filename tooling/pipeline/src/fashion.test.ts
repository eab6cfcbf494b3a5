import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadFashionMnist } from '@patchwork/datasets/node';
import { describe, expect, it } from 'vitest';
import { prepareFashionMnist } from './fashion.js';

describe('prepareFashionMnist', () => {
  it('copies the bundled subset into a folder the trainers read, with its data card', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-fashion-'));
    const dir = prepareFashionMnist(root);
    const copied = loadFashionMnist({ split: 'test', dir });
    const bundled = loadFashionMnist({ split: 'test' });
    expect(copied.shape).toEqual(bundled.shape);
    expect(Buffer.from(copied.images).equals(Buffer.from(bundled.images))).toBe(true);
    const card = JSON.parse(fs.readFileSync(path.join(root, 'card.json'), 'utf8')) as { facts: [string, string][] };
    expect(card.facts[0]).toEqual(['training images', expect.stringMatching(/^2,000 \(per class \d+–\d+\)$/)]);
    expect(fs.existsSync(path.join(root, 'preview.png'))).toBe(true);
  });
});
