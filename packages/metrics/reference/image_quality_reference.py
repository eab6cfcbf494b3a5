"""Reference PSNR / SSIM / L1 / L2 values for src/image-quality.test.ts and src/ssim.test.ts.

Run with Debian's python3 and python3-skimage (scikit-image 0.19, scipy 1.10, torch 1.13):
    /usr/bin/python3 reference/image_quality_reference.py

Writes src/__fixtures__/quality-images.json (the test inputs, base64 uint8 HWC) and prints the
expected values that the tests embed as literals. Two references are computed for SSIM:
  * skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False, data_range=R, channel_axis=-1);
  * torchmetrics' formula written out with torch (11×11 Gaussian conv after reflect padding,
    5-pixel crop, C1=(0.01R)², C2=(0.03R)²), since torchmetrics itself is not installed here.
"""
import base64
import json
import os

import numpy as np
import skimage
import torch
import torch.nn.functional as F
from skimage import data
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "src", "__fixtures__", "quality-images.json")


def synthetic():
    """Integer pattern the tests rebuild exactly: a = (7x + 13y + 29c + (x·y mod 17)) mod 256, b = clip(a + noise)."""
    h, w, c = 24, 32, 3
    y, x, ch = np.meshgrid(np.arange(h), np.arange(w), np.arange(c), indexing="ij")
    a = (7 * x + 13 * y + 29 * ch + (x * y) % 17) % 256
    noise = (31 * x + 17 * y + 11 * ch) % 41 - 20
    b = np.clip(a + noise, 0, 255)
    return a.astype(np.uint8), b.astype(np.uint8)


def photo_pair():
    """A 48×40 crop of skimage's astronaut photo and a blurred, noisy copy (numpy seed 0)."""
    a = data.astronaut()[100:148, 180:220].astype(np.uint8)
    rng = np.random.default_rng(0)
    blurred = skimage.filters.gaussian(a, sigma=1.0, channel_axis=-1, preserve_range=True)
    b = np.clip(np.round(blurred + rng.normal(0, 6, a.shape)), 0, 255).astype(np.uint8)
    return a, b


def camera_pair():
    """A 64×64 grey crop of skimage's camera photo and a copy with salt-and-pepper-like noise."""
    a = data.camera()[200:264, 220:284].astype(np.uint8)
    rng = np.random.default_rng(1)
    b = a.astype(np.int32) + rng.integers(-40, 41, a.shape)
    return a, np.clip(b, 0, 255).astype(np.uint8)[..., None], a[..., None]


def torch_ssim(a, b, data_range):
    x = torch.tensor(a, dtype=torch.float64).permute(2, 0, 1)[None]
    y = torch.tensor(b, dtype=torch.float64).permute(2, 0, 1)[None]
    c = x.shape[1]
    dist = torch.arange(-5, 6, dtype=torch.float64)
    g = torch.exp(-((dist / 1.5) ** 2) / 2)
    g = g / g.sum()
    kernel = (g[:, None] * g[None, :]).expand(c, 1, 11, 11)
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    stack = torch.cat([x, y, x * x, y * y, x * y])
    out = F.conv2d(F.pad(stack, (5, 5, 5, 5), mode="reflect"), kernel, groups=c)
    ux, uy, uxx, uyy, uxy = out.split(1)
    vx, vy, vxy = uxx - ux**2, uyy - uy**2, uxy - ux * uy
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux**2 + uy**2 + c1) * (vx + vy + c2))
    return float(s[..., 5:-5, 5:-5].mean())


def metrics(a, b, data_range):
    af, bf = a.astype(np.float64), b.astype(np.float64)
    return {
        "psnr": peak_signal_noise_ratio(af, bf, data_range=data_range),
        "ssim": structural_similarity(af, bf, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=data_range, channel_axis=-1),
        "ssim_torch_formula": torch_ssim(af, bf, data_range),
        "l1": float(np.abs(af - bf).mean()),
        "l2": float(((af - bf) ** 2).mean()),
    }


syn_a, syn_b = synthetic()
photo_a, photo_b = photo_pair()
cam_a, cam_b_noisy, cam_a3 = camera_pair()
enc = lambda arr: base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode()
with open(OUT, "w") as f:
    json.dump({
        "producer": "packages/metrics/reference/image_quality_reference.py (scikit-image %s)" % skimage.__version__,
        "astronaut": {"shape": list(photo_a.shape), "a": enc(photo_a), "b": enc(photo_b)},
        "camera": {"shape": list(cam_b_noisy.shape), "a": enc(cam_a3), "b": enc(cam_b_noisy)},
    }, f)
    f.write("\n")

results = {
    "synthetic (uint8 values, R=255)": metrics(syn_a, syn_b, 255),
    "astronaut (uint8 values, R=255)": metrics(photo_a, photo_b, 255),
    "astronaut ([0,1] floats, R=1)": metrics(photo_a / 255.0, photo_b / 255.0, 1.0),
    "camera grey (uint8 values, R=255)": metrics(cam_a3, cam_b_noisy, 255),
}
print(json.dumps(results, indent=1))
