"""Reference outputs of torch.nn.functional.interpolate for src/transforms/resize.test.ts.

Run with Debian's python3 (PyTorch 1.13):
    /usr/bin/python3 reference/resize_reference.py > src/transforms/__fixtures__/resize-torch.json

Input: a fixed pseudo-random float32 image (N=1, H=5, W=7, C=2, stored NHWC in the JSON).
Outputs: interpolate(align_corners=False, antialias=False) to a smaller and a larger size with
modes bilinear, bicubic and nearest-exact (what our 'nearest' implements), stored NHWC.
"""
import json

import torch
import torch.nn.functional as F

g = torch.Generator().manual_seed(0)
x_nhwc = torch.rand(1, 5, 7, 2, generator=g, dtype=torch.float32)
x_nchw = x_nhwc.permute(0, 3, 1, 2).contiguous()

cases = []
for size in [(3, 4), (8, 11), (5, 3)]:
    for mode, ours in [("bilinear", "bilinear"), ("bicubic", "bicubic"), ("nearest-exact", "nearest")]:
        kwargs = {} if mode == "nearest-exact" else {"align_corners": False}
        y = F.interpolate(x_nchw, size=size, mode=mode, **kwargs).permute(0, 2, 3, 1).contiguous()
        cases.append({"size": list(size), "mode": ours, "torch_mode": mode, "output": y.flatten().tolist()})

print(json.dumps({
    "producer": "packages/datasets/reference/resize_reference.py (torch %s)" % torch.__version__,
    "input_shape": [1, 5, 7, 2],
    "input": x_nhwc.flatten().tolist(),
    "cases": cases,
}))
