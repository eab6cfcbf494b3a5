#!/usr/bin/python3
"""Reference values for @patchwork/metrics' PerceptualDistance (the LPIPS formula on any network).

Run with Debian's python3 (torch 1.13, numpy 1.24):
    /usr/bin/python3 tooling/reference/metrics/perceptual_reference.py

The LPIPS computation of richzhang/PerceptualSimilarity `lpips/lpips.py` (LPIPS.forward with
version 0.1: ScalingLayer, normalize_tensor with eps 1e-10, squared difference, NetLinLayer 1×1
conv without bias, spatial_average, sum over layers) written out in torch on a small random
feature network (three 3×3 conv + ReLU stages, the second with stride 2; features are the ReLU
outputs, as LPIPS takes them from AlexNet/VGG), once with random `lin` weights and once with the
uncalibrated channel sum (lpips=False). Also the gradient of Σ distances with respect to x.

Writes perceptual.safetensors (float32, PyTorch layouts: images NCHW in [−1, 1], conv weights
OIHW, lin weights [1, C, 1, 1]) and perceptual.json.
"""
import numpy as np
import torch
import torch.nn.functional as F

from common import write_json, write_safetensors

SHIFT = torch.tensor([-0.030, -0.088, -0.188]).view(1, 3, 1, 1)
SCALE = torch.tensor([0.458, 0.448, 0.450]).view(1, 3, 1, 1)


def network(x, params):
    h = (x - SHIFT) / SCALE
    feats = []
    for k, stride in enumerate([1, 2, 1]):
        h = F.relu(F.conv2d(h, params[f"net.{k}.weight"], params[f"net.{k}.bias"], stride=stride, padding=1))
        feats.append(h)
    return feats


def normalize_tensor(f, eps=1e-10):
    return f / (torch.sqrt(torch.sum(f**2, dim=1, keepdim=True)) + eps)


def lpips(x, y, params, lin):
    fx, fy = network(x, params), network(y, params)
    total = 0
    for k, (a, b) in enumerate(zip(fx, fy)):
        diff = (normalize_tensor(a) - normalize_tensor(b)) ** 2
        d = F.conv2d(diff, params[f"lin{k}.model.1.weight"]) if lin else diff.sum(dim=1, keepdim=True)
        total = total + d.mean([2, 3], keepdim=True)
    return total.view(-1)


def main():
    g = torch.Generator().manual_seed(5)
    params = {}
    channels = [3, 8, 16, 16]
    for k in range(3):
        cin, cout = channels[k], channels[k + 1]
        params[f"net.{k}.weight"] = torch.randn(cout, cin, 3, 3, generator=g) * (2 / (9 * cin)) ** 0.5
        params[f"net.{k}.bias"] = torch.randn(cout, generator=g) * 0.1
        params[f"lin{k}.model.1.weight"] = torch.rand(1, cout, 1, 1, generator=g) * 0.2
    x = torch.rand(3, 3, 24, 20, generator=g) * 2 - 1
    y = (x + 0.3 * torch.randn(3, 3, 24, 20, generator=g)).clamp(-1, 1)
    y[2] = x[2]  # identical pair: distance exactly 0
    xg = x.clone().requires_grad_(True)
    d_lin = lpips(xg, y, params, lin=True)
    (grad,) = torch.autograd.grad(d_lin.sum(), xg)
    d_sum = lpips(x, y, params, lin=False)
    arrays = {k: v.numpy().astype(np.float32) for k, v in params.items()}
    arrays.update({"x": x.numpy(), "y": y.numpy(), "grad_x_lin": grad.numpy()})
    write_safetensors("perceptual.safetensors", arrays, {"script": "perceptual_reference.py"})
    result = {"channels": channels[1:], "distance_lin": d_lin.tolist(), "distance_sum": d_sum.tolist(), "grad_max_abs": float(grad.abs().max()), "versions": {"torch": torch.__version__}}
    write_json("perceptual.json", result)
    print(result)


if __name__ == "__main__":
    main()
