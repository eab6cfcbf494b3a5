import { tf } from '@patchwork/tensor-core';
import { assertAllClose, expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { mapDataset } from '../dataset.js';
import { ShapesDataset } from '../synthetic/shapes.js';
import { TransformPipeline } from '../transforms/pipeline.js';
import type { Dataset } from '../types.js';
import { collateClassification, collateSegmentation } from './collate.js';
import type { ClassificationBatch } from './collate.js';
import { loadBatches } from './data-loader.js';
import type { Batch } from './data-loader.js';

const shapes = new ShapesDataset({ length: 40, size: 24, seed: 0 });
const augment = new TransformPipeline([
  { type: 'randomResizedCrop', size: [16, 16], scale: [0.5, 1] },
  { type: 'horizontalFlip' },
  { type: 'colorJitter', brightness: 0.3 },
]);

async function collect(startStep: number, steps: number): Promise<{ steps: number[]; indices: number[][]; images: Float32Array[]; labels: number[][] }> {
  const out = { steps: [] as number[], indices: [] as number[][], images: [] as Float32Array[], labels: [] as number[][] };
  for await (const b of loadBatches(shapes, { batchSize: 8, seed: 3, startStep, steps, collate: collateClassification(augment) })) {
    out.steps.push(b.step);
    out.indices.push(Array.from(b.indices));
    out.images.push(b.data.images.dataSync() as Float32Array);
    out.labels.push(Array.from(b.data.labels.dataSync()));
  }
  return out;
}

describe('loadBatches', () => {
  it('resumes from a step with identical batches and augmentations', async () => {
    const full = await collect(0, 9);
    const resumed = await collect(6, 3);
    expect(resumed.steps).toEqual([6, 7, 8]);
    expect(resumed.indices).toEqual(full.indices.slice(6));
    expect(resumed.labels).toEqual(full.labels.slice(6));
    resumed.images.forEach((img, k) => assertAllClose(img, full.images[6 + k]!, { atol: 0 }));
    // Each epoch (5 batches of 8 from 40) visits every example once.
    expect(full.indices.slice(0, 5).flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('builds correctly shaped classification and segmentation batches', async () => {
    let batch: Batch<ClassificationBatch> | undefined;
    for await (const b of loadBatches(shapes, { batchSize: 4, steps: 1, autoDispose: false, collate: collateClassification() })) batch = b;
    expect(batch!.data.images.shape).toEqual([4, 24, 24, 3]);
    expect(Array.from(batch!.data.labels.dataSync())).toEqual(Array.from(batch!.indices, (i) => shapes.get(i).label));
    tf.dispose(batch!.data);

    const seg = mapDataset(shapes, (e) => ({ image: e.image, label: e.segmentation }));
    for await (const { data } of loadBatches(seg, { batchSize: 2, steps: 2, collate: collateSegmentation(augment) })) {
      expect(data.images.shape).toEqual([2, 16, 16, 3]);
      expect(data.labels.shape).toEqual([2, 16, 16]);
      expect(data.labels.dtype).toBe('int32');
    }
  });

  it('disposes every batch, including prefetched ones, when the loop stops', async () => {
    await expectNoLeaks(async () => {
      for await (const b of loadBatches(shapes, { batchSize: 8, prefetch: 3, collate: collateClassification(augment) })) {
        if (b.step === 4) break;
      }
      for await (const _ of loadBatches(shapes, { batchSize: 8, steps: 3, collate: collateClassification() })) {
        // consume
      }
    });
  });

  it('overlaps async example loading with the consumer', async () => {
    const slow: Dataset<{ image: { data: Uint8Array; height: number; width: number; channels: 1 }; label: number }> = {
      length: 64,
      get: async (i) => {
        await new Promise((r) => setTimeout(r, 20));
        return { image: { data: new Uint8Array(4), height: 2, width: 2, channels: 1 }, label: i % 3 };
      },
    };
    const t0 = performance.now();
    for await (const _ of loadBatches(slow, { batchSize: 4, steps: 8, prefetch: 2, collate: collateClassification() })) {
      await new Promise((r) => setTimeout(r, 20));
    }
    // Serial: 8 × (20 load + 20 consume) = 320 ms; with prefetch ≈ 8 × 20 + 20 = 180 ms.
    expect(performance.now() - t0).toBeLessThan(280);
  });

  it('reports mismatched example sizes clearly', async () => {
    const mixed = mapDataset(shapes, (e, i) => (i % 2 === 0 ? e : new ShapesDataset({ length: 1, size: 16 }).get(0)));
    const run = async (): Promise<void> => {
      for await (const _ of loadBatches(mixed, { batchSize: 4, steps: 1, shuffle: false, collate: collateClassification() })) {
        // unreachable
      }
    };
    await expect(run()).rejects.toThrow(/images of different sizes in one batch \(24×24×3 and 16×16×3\)/);
  });
});
