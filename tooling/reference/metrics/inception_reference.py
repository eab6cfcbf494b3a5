#!/usr/bin/python3
"""Parity fixture for @patchwork/metrics' FidInceptionV3 (pytorch-fid's InceptionV3, FID variant).

Run with Debian's python3 (torch 1.13, torchvision 0.14, numpy 1.24):
    /usr/bin/python3 tooling/reference/metrics/inception_reference.py

The network (fid_inception.py, plain PyTorch) gets deterministic pseudo-random weights that the
TypeScript test regenerates bit for bit instead of loading 91 MB of weights: tensor number k
(1-based, in sorted state-dict key order) is filled in C order from

    u_i = fmix32((k · 0x9E3779B1 + i · 0x85EBCA77) mod 2³²) / 2³²     (murmur3's 32-bit finaliser)

mapped per kind: conv weights (2u − 1)·√(6 / fan_in); BN weight 0.5 + u, bias 0.2·(u − 0.5),
running_mean 0.2·(u − 0.5), running_var 0.5 + u (non-trivial running statistics); then cast to
float32. num_batches_tracked is 0.

Writes inception-io.safetensors (NCHW float32):
  small.input [2, 3, 75, 75]  → small.block0..3: all four pytorch-fid blocks without resizing;
  resize.input [1, 3, 40, 48] → resize.block3: pool3 features after the bilinear resize to 299;
and inception.json: the state-dict keys and shapes (checked against torchvision's Inception3 with
num_classes=1008, aux_logits=False, i.e. the pt_inception checkpoint's keys without fc.*), and
output statistics.
"""
import numpy as np
import torch
import torchvision

from common import write_json, write_safetensors
from fid_inception import FIDInceptionV3

MASK = 0xFFFFFFFF


def hash_uniform(k, n):
    i = np.arange(n, dtype=np.uint64)
    h = (np.uint64((k * 0x9E3779B1) & MASK) + i * np.uint64(0x85EBCA77)) & np.uint64(MASK)
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & np.uint64(MASK)
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & np.uint64(MASK)
    h ^= h >> np.uint64(16)
    return h.astype(np.float64) / 2.0**32


def fill(name, shape, k):
    u = hash_uniform(k, int(np.prod(shape))).reshape(shape)
    if name.endswith("conv.weight"):
        fan_in = shape[1] * shape[2] * shape[3]
        return (2 * u - 1) * np.sqrt(6 / fan_in)
    if name.endswith("bn.weight") or name.endswith("running_var"):
        return 0.5 + u
    if name.endswith("bn.bias") or name.endswith("running_mean"):
        return 0.2 * (u - 0.5)
    raise ValueError(name)


def main():
    torch.manual_seed(0)
    net = FIDInceptionV3().eval()
    state = net.state_dict()
    keys = sorted(state)
    tv = torchvision.models.inception_v3(weights=None, num_classes=1008, aux_logits=False, init_weights=False).state_dict()
    tv_shapes = {k: list(v.shape) for k, v in tv.items() if not k.startswith("fc.")}
    ours = {k: list(v.shape) for k, v in state.items()}
    assert ours == tv_shapes, "state-dict keys/shapes differ from torchvision's Inception3"

    with torch.no_grad():
        for k, name in enumerate(keys, start=1):
            if name.endswith("num_batches_tracked"):
                continue
            state[name].copy_(torch.from_numpy(fill(name, list(state[name].shape), k).astype(np.float32)))

    rng = np.random.default_rng(3)
    small = rng.uniform(0, 1, (2, 3, 75, 75)).astype(np.float32)
    resize = rng.uniform(0, 1, (1, 3, 40, 48)).astype(np.float32)
    arrays = {"small.input": small, "resize.input": resize}
    stats = {}
    with torch.no_grad():
        net.resize_input = False
        for i, b in enumerate(net(torch.from_numpy(small))):
            arrays[f"small.block{i}"] = b.numpy()
            stats[f"small.block{i}"] = {"shape": list(b.shape), "mean": float(b.mean()), "std": float(b.std()), "max_abs": float(b.abs().max())}
        net.resize_input = True
        b3 = net(torch.from_numpy(resize))[3]
        arrays["resize.block3"] = b3.numpy()
        stats["resize.block3"] = {"shape": list(b3.shape), "mean": float(b3.mean()), "std": float(b3.std()), "max_abs": float(b3.abs().max())}
    for k, v in stats.items():
        print(k, v)
    write_safetensors("inception-io.safetensors", arrays, {"script": "inception_reference.py"})
    write_json("inception.json", {
        "state_dict": {k: list(state[k].shape) for k in keys},
        "num_parameters": int(sum(p.numel() for p in net.parameters())),
        "outputs": stats,
        "versions": {"torch": torch.__version__, "torchvision": torchvision.__version__, "numpy": np.__version__},
    })


if __name__ == "__main__":
    main()
