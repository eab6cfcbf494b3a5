import { flowmoPreset, parseFlowmoConfig } from '@patchwork/flowmo-tokenizer';
import { tileGrid, writeDataCard } from '@patchwork/pipeline';
import { tf } from '@patchwork/tensor-core';
import type { RasterImage } from '@patchwork/train';
import type { FlowmoTrainConfig } from '../config.js';
import { imageSource } from './source.js';

/**
 * `prepare-data` for FlowMo: the trainer builds its images in memory from the bundled data (or
 * the skimage photos), so this step builds the same source and records it in the data card: what
 * it is, its evaluation set and a preview (top: the first training batch; bottom: evaluation images).
 */
export async function prepareFlowmoData(cfg: FlowmoTrainConfig, dataDir: string): Promise<void> {
  const size = parseFlowmoConfig(flowmoPreset(cfg.preset)).imageSize;
  const source = await imageSource(cfg, size);
  try {
    const batch = source.trainBatch(0, Math.min(cfg.batchSize, 8));
    const shown = tf.slice(source.evalImages, 0, Math.min(8, source.evalImages.shape[0]));
    const tiles = [...toTiles(batch, size), ...toTiles(shown, size)];
    tf.dispose([batch, shown]);
    writeDataCard(
      dataDir,
      {
        description: `${source.name}. Preview: the first training batch (top) and the first evaluation images (bottom).`,
        facts: [
          ['data', cfg.data],
          ['image', `${size}×${size}×3 in [−1, 1]`],
          ['evaluation images', String(source.evalImages.shape[0])],
          ['training batches', `${cfg.batchSize} images, drawn from (seed ${cfg.seed}, step)`],
        ],
      },
      tileGrid(tiles, { cols: 8, scale: 3 }),
    );
  } finally {
    source.dispose();
  }
}

function toTiles(images: tf.Tensor4D, size: number): RasterImage[] {
  const values = images.dataSync();
  return Array.from({ length: images.shape[0] }, (_, i) => ({
    width: size,
    height: size,
    channels: 3 as const,
    data: Uint8Array.from(values.subarray(i * size * size * 3, (i + 1) * size * size * 3), (v) => Math.max(0, Math.min(255, Math.round((v + 1) * 127.5)))),
  }));
}
