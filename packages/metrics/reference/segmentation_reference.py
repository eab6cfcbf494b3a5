"""Reference mIoU / mAcc / aAcc for src/segmentation.test.ts, following mmsegmentation's
IoUMetric (mmseg/evaluation/metrics/iou_metric.py): per image, drop label == ignore_index, take
torch.histc(bins=num_classes, min=0, max=num_classes-1) of the intersection, prediction and
label; sum the four area vectors over the dataset; IoU = I/U, Acc = I/L, aAcc = ΣI/ΣL, and the
means are np.nanmean over classes.

    /usr/bin/python3 reference/segmentation_reference.py

Inputs are integer patterns the test rebuilds exactly (3 images of 13×17, 5 classes, 255 = ignore).
"""
import json

import numpy as np
import torch

C, IGNORE, H, W = 5, 255, 13, 17


def pattern(k):
    y, x = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    v = (x * x + 3 * y * y + 7 * k + x * y) % 7
    label = np.where(v < 5, v, IGNORE)
    pred = (x + 2 * y + k) % 5
    agree = (x + y) % 3 == 0
    pred = np.where(agree & (label != IGNORE), label, pred)
    return torch.tensor(pred), torch.tensor(label)


def intersect_and_union(pred, label):
    mask = label != IGNORE
    pred, label = pred[mask], label[mask]
    intersect = pred[pred == label]
    hist = lambda t: torch.histc(t.float(), bins=C, min=0, max=C - 1)
    ai, ap, al = hist(intersect), hist(pred), hist(label)
    return ai, ap + al - ai, ap, al


totals = [torch.zeros(C, dtype=torch.float64) for _ in range(4)]
for k in range(3):
    for t, a in zip(totals, intersect_and_union(*pattern(k))):
        t += a.double()
inter, union, _, label = totals
iou = (inter / union).numpy()
acc = (inter / label).numpy()
print(json.dumps({
    "aAcc": float(inter.sum() / label.sum()),
    "mIoU": float(np.nanmean(iou)),
    "mAcc": float(np.nanmean(acc)),
    "iou": iou.tolist(),
    "intersect": inter.tolist(),
    "union": union.tolist(),
    "label": label.tolist(),
}, indent=1))
