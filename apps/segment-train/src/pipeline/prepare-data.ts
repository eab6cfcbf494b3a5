import { writeDataCard, tileGrid } from '@patchwork/pipeline';
import type { SegmentConfig } from '../config.js';
import { loadData } from '../data.js';
import type { SegmentationData } from '../data.js';
import { classColour } from '../report.js';

/**
 * `prepare-data` for segmentation: the splits are generated in memory by the trainer from the
 * seed (procedural shapes or Fashion-MNIST mosaics), so this step builds them exactly as the
 * trainer will and records them in the data card: sizes, the class share of the pixels, and the
 * first training images beside their label maps.
 */
export async function prepareSegmentationData(cfg: SegmentConfig, dataDir: string): Promise<SegmentationData> {
  const data = await loadData(cfg);
  const K = data.classNames.length;
  const share = (examples: SegmentationData['train']): string => {
    const counts = new Array<number>(K).fill(0);
    let total = 0;
    for (const e of examples) {
      for (const v of e.label.data) {
        if (v >= K) continue; // ignore index
        counts[v]!++;
        total++;
      }
    }
    return counts.map((c, i) => `${data.classNames[i]} ${((100 * c) / Math.max(1, total)).toFixed(1)}%`).join(', ');
  };
  const first = data.train[0]!;
  const tiles = data.train.slice(0, 8).flatMap((e) => [e.image, { width: e.label.width, height: e.label.height, channels: 3 as const, data: colourLabels(e.label.data, K) }]);
  writeDataCard(
    dataDir,
    {
      description: `\`${cfg.data}\` segmentation data generated from seed ${cfg.seed} (the trainer rebuilds the same splits in memory). Preview: the first training images beside their label maps.`,
      facts: [
        ['training images', String(data.train.length)],
        ['held-out images', String(data.test.length)],
        ['image', `${first.image.width}×${first.image.height}×${first.image.channels}`],
        ['classes', data.classNames.join(', ')],
        ['pixel share (training)', share(data.train)],
      ],
    },
    tileGrid(tiles, { cols: 8, scale: 2 }),
  );
  return data;
}

function colourLabels(labels: Uint8Array, numClasses: number): Uint8Array {
  const out = new Uint8Array(labels.length * 3);
  labels.forEach((c, p) => out.set(classColour(c, numClasses), p * 3));
  return out;
}
