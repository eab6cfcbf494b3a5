"""Hole-ratio statistics of MAT's official free-form mask generators, for src/masks/mat-mask.test.ts.

The official code is not vendored. Point this script at a checkout of fenglinglwb/MAT
(commit d273d891) and it imports `datasets/mask_generator_<variant>.py` from there:

    /usr/bin/python3 reference/mat_mask_stats.py /path/to/MAT 512 2000
    /usr/bin/python3 reference/mat_mask_stats.py /path/to/MAT 512_small 2000
    /usr/bin/python3 reference/mat_mask_stats.py /path/to/MAT 256 2000

Prints the mean, standard deviation and 10/50/90th percentiles of the hole ratio (1 − mean of
the mask, MAT's convention 1 = known) over N masks with `RandomMask(s)` and numpy seed 0.
"""
import importlib.util
import json
import os
import sys

import numpy as np

repo, variant, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
size = int(variant.split("_")[0])
path = os.path.join(repo, "datasets", "mask_generator_%s.py" % variant)
spec = importlib.util.spec_from_file_location("mask_generator", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)

np.random.seed(0)
ratios = np.array([1.0 - module.RandomMask(size).mean() for _ in range(count)])
print(json.dumps({
    "variant": variant,
    "size": size,
    "count": count,
    "mean": round(float(ratios.mean()), 4),
    "std": round(float(ratios.std()), 4),
    "p10": round(float(np.percentile(ratios, 10)), 4),
    "p50": round(float(np.percentile(ratios, 50)), 4),
    "p90": round(float(np.percentile(ratios, 90)), 4),
}))
