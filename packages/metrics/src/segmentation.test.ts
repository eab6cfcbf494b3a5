import { tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { SegmentationMetric, intersectAndUnion } from './segmentation.js';

describe('mmseg-style segmentation metrics', () => {
  it('computes areas per image, dropping ignored pixels', () => {
    // pred [[0,1],[1,2]] vs label [[0,1],[2,255]], 4 classes.
    const a = intersectAndUnion([0, 1, 1, 2], [0, 1, 2, 255], 4);
    expect(Array.from(a.intersect)).toEqual([1, 1, 0, 0]);
    expect(Array.from(a.pred)).toEqual([1, 2, 0, 0]); // the prediction under 255 is not counted
    expect(Array.from(a.label)).toEqual([1, 1, 1, 0]);
    expect(Array.from(a.union)).toEqual([1, 2, 1, 0]);
  });

  it('sums areas over the dataset before dividing; absent classes are NaN and skipped', () => {
    const m = new SegmentationMetric({ numClasses: 4 });
    m.update([0, 1, 1, 2], [0, 1, 2, 255]);
    let s = m.compute();
    // IoU [1, 0.5, 0, NaN]: class 2 is labelled but never predicted (0), class 3 absent (NaN).
    expect(Array.from(s.iou)).toEqual([1, 0.5, 0, Number.NaN]);
    expect(s.mIoU).toBeCloseTo(0.5, 12);
    expect(Array.from(s.acc)).toEqual([1, 1, 0, Number.NaN]);
    expect(s.mAcc).toBeCloseTo(2 / 3, 12);
    expect(s.aAcc).toBeCloseTo(2 / 3, 12);

    // Second image: pred [3, 3] vs label [3, 0]. Totals: I [1,1,0,1], P [1,2,0,2], L [2,1,1,1], U [2,2,1,2].
    m.update(tf.tensor2d([[3, 3]], [1, 2], 'int32'), Uint8Array.of(3, 0));
    s = m.compute();
    expect(Array.from(s.iou)).toEqual([0.5, 0.5, 0, 0.5]);
    expect(s.mIoU).toBeCloseTo(0.375, 12); // the mean of per-image mIoUs would be (0.5 + 0.25) / 2
    expect(Array.from(s.acc)).toEqual([0.5, 1, 0, 1]);
    expect(s.mAcc).toBeCloseTo(0.625, 12);
    expect(s.aAcc).toBeCloseTo(0.6, 12);
    expect(m.count).toBe(2);

    // A class predicted but never labelled: IoU 0 (counts in mIoU), Acc NaN (skipped in mAcc).
    const fp = new SegmentationMetric({ numClasses: 3 });
    fp.update([2, 1], [1, 1]);
    const f = fp.compute();
    expect(Array.from(f.iou)).toEqual([Number.NaN, 0.5, 0]);
    expect(f.mIoU).toBeCloseTo(0.25, 12);
    expect(Array.from(f.acc)).toEqual([Number.NaN, 0.5, Number.NaN]);
    m.reset();
    expect(Number.isNaN(m.compute().aAcc)).toBe(true);
  });

  it('matches the mmseg/torch.histc reference on a 3-image dataset (reference/segmentation_reference.py)', async () => {
    const m = new SegmentationMetric({ numClasses: 5 });
    await expectNoLeaks(() => {
      for (let k = 0; k < 3; k++) {
        const label: number[] = [];
        const pred: number[] = [];
        for (let y = 0; y < 13; y++) {
          for (let x = 0; x < 17; x++) {
            const v = (x * x + 3 * y * y + 7 * k + x * y) % 7;
            const l = v < 5 ? v : 255;
            label.push(l);
            pred.push((x + y) % 3 === 0 && l !== 255 ? l : (x + 2 * y + k) % 5);
          }
        }
        const p = tf.tensor2d(pred, [13, 17], 'int32');
        m.update(p, Uint8Array.from(label));
        p.dispose();
      }
    });
    const s = m.compute();
    expect(Array.from(m.areas().intersect)).toEqual([8, 47, 46, 47, 58]);
    expect(Array.from(m.areas().union)).toEqual([71, 146, 142, 146, 165]);
    expect(s.aAcc).toBeCloseTo(0.4703196347031963, 14);
    expect(s.mIoU).toBeCloseTo(0.2863940972526734, 14);
    expect(s.mAcc).toBeCloseTo(0.46570261437908494, 14);
  });

  it('round-trips its state through JSON and resumes accumulating', () => {
    const m = new SegmentationMetric({ numClasses: 4 });
    m.update([0, 1, 1, 2], [0, 1, 2, 255]);
    const back = SegmentationMetric.fromJSON(JSON.parse(JSON.stringify(m)));
    expect(back.count).toBe(1);
    expect(back.toJSON()).toEqual(m.toJSON());
    back.update([3, 3], [3, 0]);
    expect(back.compute().mIoU).toBeCloseTo(0.375, 12); // the two-image value of the test above
    const json = m.toJSON();
    expect(() => SegmentationMetric.fromJSON({ ...json, areas: { ...json.areas, union: [1, 2, 1] } })).toThrow(/areas.union has 3 entries for 4 classes/);
    expect(() => SegmentationMetric.fromJSON({ ...json, areas: { ...json.areas, pred: [1, -2, 0, 0] } })).toThrow(/areas.pred/);
    expect(() => SegmentationMetric.fromJSON({ ...json, images: 1 })).toThrow(/images/);
  });

  it('rejects mismatched sizes and out-of-range labels', () => {
    const m = new SegmentationMetric({ numClasses: 3 });
    expect(() => m.update([0, 1], [0, 1, 2])).toThrow(/differ in size/);
    expect(() => m.update([0, 3], [0, 1])).toThrow(/prediction: value 3 at flat index 1 is not a class index in 0..2/);
    expect(() => m.update([0, 1], [7, 1])).toThrow(/label: value 7 .* or the ignore index 255/);
    expect(() => new SegmentationMetric({ numClasses: 0 })).toThrow(/numClasses/);
  });
});
