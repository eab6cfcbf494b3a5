#!/usr/bin/python3
"""Reference values for the @patchwork/layers blocks the segmentation heads added:
ConvTranspose2d (packages/layers/src/nn/conv-transpose.test.ts) and MaxPool2d /
adaptive_avg_pool2d (packages/layers/src/nn/pooling.test.ts).

Runs torch.nn.ConvTranspose2d, nn.MaxPool2d and F.adaptive_avg_pool2d on small seeded inputs and
writes packages/layers/src/nn/__fixtures__/{conv_transpose2d,pooling}.json in the format of
tooling/reference/layers_reference.py: PyTorch layouts (NCHW activations, ConvTranspose2d weight
[in, out, kh, kw]), {"shape", "data"} with float32 values printed to 9 significant digits, and the
gradients of sum(y * dy) for a stored random dy.

Requirements: Debian's PyTorch 1.13 and numpy (`/usr/bin/python3`, not a pyenv python).
Usage: /usr/bin/python3 packages/segmentation-heads/reference/layers_blocks.py
"""
import json
import os

import torch
import torch.nn.functional as F
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
OUT_DIR = os.path.join(ROOT, "packages", "layers", "src", "nn", "__fixtures__")


def enc(t):
    a = t.detach().to(torch.float64).reshape(-1).tolist()
    return {"shape": list(t.shape), "data": [float("%.9g" % v) for v in a]}


def with_grads(module, x, fn):
    x = x.clone().requires_grad_(True)
    y = fn(x)
    dy = torch.randn_like(y)
    (y * dy).sum().backward()
    grads = {"x": enc(x.grad)}
    for name, p in module.named_parameters():
        grads[name] = enc(p.grad)
    return y, dy, grads


def write(name, payload):
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, name), "w") as f:
        json.dump(payload, f, separators=(",", ":"))
    print("wrote", name)


def conv_transpose_cases():
    cases = []
    for name, cin, cout, k, s, p, bias, hw in [
        ("k2_s2", 3, 4, 2, 2, 0, True, (3, 5)),
        ("k3_s2_p1", 4, 2, 3, 2, 1, True, (4, 3)),
        ("k4_s2_p1_nobias", 2, 3, 4, 2, 1, False, (3, 3)),
        ("k3_s1_p1", 3, 3, 3, 1, 1, True, (5, 4)),
        ("k2x3_s1x2", 2, 2, (2, 3), (1, 2), 0, True, (3, 4)),
    ]:
        torch.manual_seed(len(cases) + 100)
        m = nn.ConvTranspose2d(cin, cout, k, stride=s, padding=p, bias=bias)
        x = torch.randn(2, cin, *hw)
        y, dy, grads = with_grads(m, x, m)
        cases.append({
            "name": name,
            "config": {"cin": cin, "cout": cout, "k": k, "stride": s, "padding": p, "bias": bias},
            "state_dict": {k_: enc(v) for k_, v in m.state_dict().items()},
            "x": enc(x), "y": enc(y), "dy": enc(dy), "grads": grads,
        })
    return cases


def pooling_cases():
    max_cases, adaptive_cases = [], []
    dummy = nn.Module()
    for name, k, s, hw in [("k2_s2_odd", 2, 2, (5, 7)), ("k3_s2", 3, 2, (7, 6)), ("k4_s4", 4, 4, (8, 9))]:
        torch.manual_seed(len(max_cases) + 200)
        x = torch.randn(2, 3, *hw)
        y, dy, grads = with_grads(dummy, x, lambda t: F.max_pool2d(t, k, s))
        max_cases.append({"name": name, "kernel": k, "stride": s, "x": enc(x), "y": enc(y), "dy": enc(dy), "grads": grads})
    for name, out, hw in [("to1", 1, (5, 7)), ("to2", 2, (5, 7)), ("to3", 3, (7, 5)), ("to6", 6, (7, 5)),
                          ("to6_from2", 6, (2, 2)), ("to2x3", (2, 3), (4, 7))]:
        torch.manual_seed(len(adaptive_cases) + 300)
        x = torch.randn(2, 3, *hw)
        y, dy, grads = with_grads(dummy, x, lambda t: F.adaptive_avg_pool2d(t, out))
        adaptive_cases.append({"name": name, "size": out, "x": enc(x), "y": enc(y), "dy": enc(dy), "grads": grads})
    return {"max_pool": max_cases, "adaptive_avg_pool": adaptive_cases}


if __name__ == "__main__":
    torch.set_default_dtype(torch.float32)
    write("conv_transpose2d.json", {"source": "torch.nn.ConvTranspose2d (PyTorch 1.13)", "cases": conv_transpose_cases()})
    write("pooling.json", {"source": "F.max_pool2d / F.adaptive_avg_pool2d (PyTorch 1.13)", **pooling_cases()})
