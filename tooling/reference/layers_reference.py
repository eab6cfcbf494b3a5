#!/usr/bin/python3
"""Reference values for the @patchwork/layers nn blocks (packages/layers/src/nn/*.test.ts).

Runs the official PyTorch / timm / MAE code on small seeded inputs and writes one JSON file per
block into packages/layers/src/nn/__fixtures__/. Every tensor is stored in PyTorch layout
(activations NCHW, conv weights OIHW, linear weights [out, in]) as {"shape": [...], "data": [...]}
with float32 values printed to 9 significant digits (exact float32 round trip).

Gradients are those of loss = sum(y * dy) for a stored random upstream gradient `dy`.

Requirements (the versions the checked-in JSON was produced with):
  - Debian's PyTorch 1.13 (`/usr/bin/python3`, not a pyenv python) and numpy 1.24;
  - timm at huggingface/pytorch-image-models@aa4b5850c1543fa488abf260f18390eda46cf85d
    (the commit the shared ViT fixtures use) on PYTHONPATH;
  - facebookresearch/mae@efb2a8062c206524e35e47d04501ed4f544c0ae8 on PYTHONPATH (for util.pos_embed).

Usage:
  PYTHONPATH=/path/to/pytorch-image-models:/path/to/mae /usr/bin/python3 tooling/reference/layers_reference.py
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# MAE's util/pos_embed.py uses np.float, removed in numpy 1.24; it was an alias of float64.
if not hasattr(np, "float"):
    np.float = np.float64  # type: ignore[attr-defined]

from timm.layers import Attention, Mlp, PatchEmbed, resample_abs_pos_embed  # noqa: E402
from util.pos_embed import get_2d_sincos_pos_embed  # noqa: E402  (MAE)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join(ROOT, "packages", "layers", "src", "nn", "__fixtures__")
VIT_FIXTURE = "/work/shared/fixtures/vit/dynamic_size_32_to_48"

torch.set_grad_enabled(True)


def enc(t):
    a = t.detach().to(torch.float64).numpy() if isinstance(t, torch.Tensor) else np.asarray(t, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float("%.9g" % v) for v in a.reshape(-1)]}


def rand(*shape, scale=1.0):
    return torch.randn(*shape) * scale


def randomize(module, bias_std=0.1):
    """Redraw every parameter so that zero/one inits (biases, norm scales) are exercised too."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("bias"):
                p.copy_(torch.randn_like(p) * bias_std)
            elif p.dim() == 1:
                p.copy_(1 + torch.randn_like(p) * 0.1)
            else:
                p.copy_(torch.randn_like(p) / math.sqrt(p[0].numel()))


def state(module):
    return {k: enc(v) for k, v in module.state_dict().items()}


def run_with_grads(module, x, fn=None):
    """Forward, then grads of sum(y * dy) w.r.t. the input and every parameter."""
    x = x.clone().requires_grad_(True)
    module.zero_grad()
    y = (fn or module)(x)
    dy = torch.randn_like(y)
    (y * dy).sum().backward()
    grads = {"x": enc(x.grad)}
    for name, p in module.named_parameters():
        grads[name] = enc(p.grad)
    return y, dy, grads


def write(name, payload):
    os.makedirs(OUT_DIR, exist_ok=True)
    payload = {"generator": "tooling/reference/layers_reference.py", "torch": torch.__version__, **payload}
    path = os.path.join(OUT_DIR, name)
    with open(path, "w") as f:
        json.dump(payload, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


# ---------------------------------------------------------------------------------------------
def conv2d_cases():
    torch.manual_seed(100)
    specs = [
        dict(name="k3_s1_p1", cin=3, cout=4, k=3, stride=1, padding=1, x=(2, 3, 7, 6)),
        dict(name="k3_s2_valid_odd", cin=3, cout=5, k=3, stride=2, padding="valid", x=(2, 3, 9, 7)),
        dict(name="k4_same_even_kernel", cin=2, cout=3, k=4, stride=1, padding="same", x=(1, 2, 5, 6)),
        dict(name="k3_same_dilation2", cin=2, cout=3, k=3, stride=1, padding="same", dilation=2, x=(2, 2, 7, 5)),
        dict(name="asym_pad_s2", cin=3, cout=4, k=3, stride=2, padding=[[1, 2], [0, 1]], x=(2, 3, 8, 7)),
        dict(name="rect_kernel_pair_pad_nobias", cin=3, cout=2, k=[1, 3], stride=[2, 1], padding=[0, 1], bias=False, x=(2, 3, 5, 6)),
        dict(name="groups2_s2", cin=4, cout=6, k=3, stride=2, padding=1, groups=2, x=(2, 4, 7, 7)),
        dict(name="depthwise_m2_s2", cin=3, cout=6, k=3, stride=2, padding=1, groups=3, x=(2, 3, 7, 8)),
        dict(name="depthwise_dilation2", cin=3, cout=3, k=3, stride=1, padding=2, dilation=2, groups=3, x=(2, 3, 7, 6)),
        dict(name="dilation2_stride2", cin=2, cout=3, k=3, stride=2, padding=[1, 2], dilation=2, x=(2, 2, 9, 8)),
        dict(name="depthwise_dilation2_stride2", cin=2, cout=4, k=3, stride=2, padding=1, dilation=[2, 1], groups=2, x=(1, 2, 8, 9)),
        dict(name="pointwise", cin=5, cout=3, k=1, stride=1, padding=0, x=(3, 5, 2, 3)),
    ]
    cases = []
    for s in specs:
        pad = s["padding"]
        asym = isinstance(pad, list) and isinstance(pad[0], list)
        conv = nn.Conv2d(
            s["cin"], s["cout"], s["k"], stride=s["stride"], padding=0 if asym else (tuple(pad) if isinstance(pad, list) else pad),
            dilation=s.get("dilation", 1), groups=s.get("groups", 1), bias=s.get("bias", True),
        )
        x = rand(*s["x"])
        if asym:
            (t, b), (l, r) = pad
            fn = lambda inp, conv=conv, l=l, r=r, t=t, b=b: conv(F.pad(inp, (l, r, t, b)))  # noqa: E731
        else:
            fn = conv
        y, dy, grads = run_with_grads(conv, x, fn)
        config = {k: v for k, v in s.items() if k not in ("name", "x")}
        cases.append({"name": s["name"], "config": config, "state_dict": state(conv), "x": enc(x), "y": enc(y), "dy": enc(dy), "grads": grads})
    write("conv2d.json", {"cases": cases})


# ---------------------------------------------------------------------------------------------
def batchnorm_cases():
    torch.manual_seed(200)
    cases = []

    def case(name, mode, x_shape, **kw):
        bn = nn.BatchNorm2d(3, **kw)
        with torch.no_grad():
            if bn.affine:
                bn.weight.copy_(1 + torch.randn(3) * 0.2)
                bn.bias.copy_(torch.randn(3) * 0.2)
            if bn.track_running_stats:
                bn.running_mean.copy_(torch.randn(3) * 0.5)
                bn.running_var.copy_(torch.rand(3) + 0.5)
                bn.num_batches_tracked.fill_(3)
        before = state(bn)
        bn.train(mode == "train")
        x = rand(*x_shape) * 2 + 0.7
        y, dy, grads = run_with_grads(bn, x)
        config = {k: v for k, v in kw.items()}
        cases.append({
            "name": name, "mode": mode, "config": config, "state_dict": before, "x": enc(x), "y": enc(y),
            "dy": enc(dy), "grads": grads, "state_after": state(bn),
        })

    case("train_momentum", "train", (4, 3, 5, 3))
    case("train_cumulative", "train", (2, 3, 3, 5), momentum=None)
    case("eval", "eval", (2, 3, 4, 3))
    case("train_no_affine_eps", "train", (3, 3, 2, 3), affine=False, eps=1e-3)
    case("eval_untracked", "eval", (2, 3, 3, 3), track_running_stats=False)
    write("batchnorm2d.json", {"cases": cases})


# ---------------------------------------------------------------------------------------------
def norm_cases():
    torch.manual_seed(300)
    ln_cases = []
    for name, dim, eps, affine, shape in [
        ("affine_eps1e-6", 6, 1e-6, True, (2, 5, 6)),
        ("no_affine", 7, 1e-5, False, (3, 7)),
    ]:
        ln = nn.LayerNorm(dim, eps=eps, elementwise_affine=affine)
        randomize(ln)
        x = rand(*shape) * 1.5 + 0.3
        y, dy, grads = run_with_grads(ln, x)
        ln_cases.append({"name": name, "config": {"dim": dim, "eps": eps, "affine": affine}, "state_dict": state(ln),
                         "x": enc(x), "y": enc(y), "dy": enc(dy), "grads": grads})
    gn_cases = []
    for name, groups, channels, shape, affine in [
        ("g3_c6", 3, 6, (2, 6, 3, 4), True),
        ("g1_c4", 1, 4, (2, 4, 3, 3), True),
        ("g4_c4_no_affine", 4, 4, (1, 4, 5, 2), False),
    ]:
        gn = nn.GroupNorm(groups, channels, affine=affine)
        randomize(gn)
        x = rand(*shape) + 0.5
        y, dy, grads = run_with_grads(gn, x)
        gn_cases.append({"name": name, "config": {"groups": groups, "channels": channels, "affine": affine},
                         "state_dict": state(gn), "x": enc(x), "y": enc(y), "dy": enc(dy), "grads": grads})
    write("norms.json", {"layernorm": ln_cases, "groupnorm": gn_cases})


# ---------------------------------------------------------------------------------------------
def activation_cases():
    torch.manual_seed(400)
    x = torch.cat([torch.linspace(-8, 8, 33), torch.randn(15) * 3])
    out = {"x": enc(x)}
    for key, mod in [("gelu", nn.GELU()), ("gelu_tanh", nn.GELU(approximate="tanh")), ("relu6", nn.ReLU6())]:
        xx = x.clone().requires_grad_(True)
        y = mod(xx)
        y.sum().backward()
        out[key] = {"y": enc(y), "dx": enc(xx.grad)}
    write("activations.json", out)


# ---------------------------------------------------------------------------------------------
def attention_cases():
    torch.manual_seed(500)
    cases = []
    for name, kw, shape in [
        ("qkv_bias", dict(dim=12, num_heads=3, qkv_bias=True), (2, 5, 12)),
        ("no_qkv_bias_qk_norm", dict(dim=8, num_heads=2, qkv_bias=False, qk_norm=True, norm_layer=nn.LayerNorm), (2, 3, 8)),
    ]:
        attn = Attention(**kw).eval()
        attn.fused_attn = False  # torch 1.13 has no SDPA anyway; pin the explicit softmax path
        randomize(attn)
        x = rand(*shape)
        y, dy, grads = run_with_grads(attn, x)
        config = {k: v for k, v in kw.items() if k != "norm_layer"}
        cases.append({"name": name, "config": config, "state_dict": state(attn), "x": enc(x), "y": enc(y), "dy": enc(dy), "grads": grads})
    write("attention.json", {"timm_class": "timm.layers.Attention", "cases": cases})


def mlp_cases():
    torch.manual_seed(600)
    mlp = Mlp(6, hidden_features=10, out_features=4).eval()
    randomize(mlp)
    x = rand(2, 3, 6)
    y, dy, grads = run_with_grads(mlp, x)
    write("mlp.json", {"timm_class": "timm.layers.Mlp", "config": {"in": 6, "hidden": 10, "out": 4},
                       "state_dict": state(mlp), "x": enc(x), "y": enc(y), "dy": enc(dy), "grads": grads})


def patch_embed_cases():
    torch.manual_seed(700)
    pe = PatchEmbed(img_size=8, patch_size=4, in_chans=3, embed_dim=5).eval()
    randomize(pe)
    x = rand(2, 3, 8, 8)
    x_dyn = rand(1, 3, 12, 8)
    pe.strict_img_size = False  # what VisionTransformer(dynamic_img_size=True) sets
    with torch.no_grad():
        y, y_dyn = pe(x), pe(x_dyn)
    write("patch_embed.json", {"timm_class": "timm.layers.PatchEmbed", "config": {"img": 8, "patch": 4, "in": 3, "embed": 5},
                               "state_dict": state(pe), "x": enc(x), "y": enc(y), "x_dynamic": enc(x_dyn), "y_dynamic": enc(y_dyn)})


# ---------------------------------------------------------------------------------------------
def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        body = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        out[k] = torch.from_numpy(np.frombuffer(body[b:e], dtype=np.float32).reshape(v["shape"]).copy()) if v["dtype"] == "F32" else None
    return out


def pos_embed_cases():
    torch.manual_seed(800)
    sincos = []
    for dim, grid, cls in [(16, 3, True), (8, 4, False)]:
        sincos.append({"dim": dim, "grid": grid, "cls_token": cls, "y": enc(get_2d_sincos_pos_embed(dim, grid, cls_token=cls))})

    interp = []
    for name, src, dst, mode, aa in [
        ("up_bicubic_aa", (4, 4), (6, 6), "bicubic", True),
        ("down_bicubic_aa", (7, 7), (3, 3), "bicubic", True),
        ("mixed_bicubic_aa", (3, 5), (6, 4), "bicubic", True),
        ("mixed_bicubic", (3, 5), (6, 4), "bicubic", False),
        ("down_bicubic", (7, 6), (3, 4), "bicubic", False),
        ("mixed_bilinear_aa", (5, 3), (2, 7), "bilinear", True),
        ("mixed_bilinear", (5, 3), (2, 7), "bilinear", False),
    ]:
        grid = rand(1, 3, *src)
        y = F.interpolate(grid, size=dst, mode=mode, antialias=aa, align_corners=False)
        interp.append({"name": name, "mode": mode, "antialias": aa, "x": enc(grid), "size": list(dst), "y": enc(y)})

    posemb = rand(1, 2 + 3 * 4, 5)
    resampled = resample_abs_pos_embed(posemb, new_size=[5, 3], old_size=[3, 4], num_prefix_tokens=2)
    timm_case = {"x": enc(posemb), "old_size": [3, 4], "new_size": [5, 3], "num_prefix_tokens": 2, "y": enc(resampled)}

    # Cross-check against the shared ViT fixture so the JSON and the fixture agree.
    w = os.path.join(VIT_FIXTURE, "weights.safetensors")
    if os.path.exists(w):
        pe = read_safetensors(w)["pos_embed"]
        ref = read_safetensors(os.path.join(VIT_FIXTURE, "io.safetensors"))
        ours = resample_abs_pos_embed(pe, new_size=[6, 6], old_size=[4, 4], num_prefix_tokens=1)
        err = (ours - ref["pos_embed_resampled"]).abs().max().item()
        print(f"shared ViT fixture pos_embed_resampled: max |diff| {err:.3g}")
        assert err < 1e-6

    write("pos_embed.json", {"sincos": sincos, "interpolate": interp, "resample_abs_pos_embed": timm_case})


if __name__ == "__main__":
    print("torch", torch.__version__, file=sys.stderr)
    conv2d_cases()
    batchnorm_cases()
    norm_cases()
    activation_cases()
    attention_cases()
    mlp_cases()
    patch_embed_cases()
    pos_embed_cases()
