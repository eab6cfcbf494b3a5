#!/usr/bin/python3
"""Write src/__fixtures__/generator_128_narrow: the official MAT Generator and Discriminator, full
forward, at a width small enough to commit.

The official classes hard-code their widths (the `nf` table and FirstStage's dim=180 default), so
this script patches exactly those two things at import time — nothing else in the official code
changes — and records:
  - weights: `G.<official name>` and `D.<official name>` (strict state dicts, random weights drawn
    like the parity fixtures: N(0,1) raw weights, biases N(0, .1), affine biases 1 + N(0, .1),
    mapping biases N(0, 10), w_avg N(0, .5), noise_strength N(0, .3));
  - io: images_in, masks_in (1 = known), z, the two recorded F.dropout maps, and the outputs of
    `G(images, masks, z, None, truncation_psi=0.7, noise_mode='const', return_stg1=True)` and of
    `D(img, masks, img_stg1, None)`.

Run with Debian's torch and a checkout of fenglinglwb/MAT (d273d891) plus timm (or a shim providing
timm.models.layers.{DropPath, to_2tuple, trunc_normal_}):
    /usr/bin/python3 scripts/generator_reference.py --mat /path/to/MAT
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tooling", "reference"))
from safetensors_io import write_safetensors  # noqa: E402

CHANNEL_BASE, CHANNEL_MAX, DIM, W_DIM, Z_DIM, RES = 2048, 32, 24, 32, 32, 128


def as_f32(tensors):
    """Every tensor is stored as F32 (the committed fixture's convention)."""
    return {k: v.detach().cpu().contiguous().numpy().astype(np.float32) for k, v in tensors.items()}


def randomize(module, gen, mapping_prefix):
    with torch.no_grad():
        for name, t in list(module.named_parameters()) + list(module.named_buffers()):
            if name.endswith(("resample_filter", "attn_mask")):
                continue
            if name.endswith("noise_strength"):
                t.copy_(0.3 * torch.randn(t.shape, generator=gen))
            elif name.endswith("affine.bias"):
                t.copy_(1 + 0.1 * torch.randn(t.shape, generator=gen))
            elif mapping_prefix and name.startswith(mapping_prefix) and name.endswith("bias"):
                t.copy_(10 * torch.randn(t.shape, generator=gen))
            elif name.endswith("bias"):
                t.copy_(0.1 * torch.randn(t.shape, generator=gen))
            elif name.endswith("w_avg"):
                t.copy_(0.5 * torch.randn(t.shape, generator=gen))
            elif mapping_prefix and name.startswith(mapping_prefix):
                t.copy_(torch.randn(t.shape, generator=gen) / 0.01)
            else:
                t.copy_(torch.randn(t.shape, generator=gen))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mat", required=True, help="checkout of fenglinglwb/MAT")
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "src", "__fixtures__", "generator_128_narrow"))
    args = p.parse_args()
    sys.path.insert(0, args.mat)
    import torch.nn.functional as F
    import networks.mat as mat

    # The two width patches (see the module docstring).
    mat.nf = lambda stage, **_: min(CHANNEL_BASE // 2 ** stage, CHANNEL_MAX)
    official_first_stage = mat.FirstStage

    class NarrowFirstStage(official_first_stage):  # SynthesisNet looks FirstStage up at construction time
        def __init__(self, *a, dim=DIM, **kw):
            super().__init__(*a, dim=dim, **kw)

    mat.FirstStage = NarrowFirstStage

    gen = torch.Generator().manual_seed(2024)
    G = mat.Generator(z_dim=Z_DIM, c_dim=0, w_dim=W_DIM, img_resolution=RES, img_channels=3).eval()
    D = mat.Discriminator(c_dim=0, img_resolution=RES, img_channels=3).eval()
    randomize(G, gen, "mapping.")
    randomize(D, gen, None)

    B = 2
    images = torch.rand(B, 3, RES, RES, generator=gen) * 2 - 1
    masks = torch.ones(B, 1, RES, RES)
    masks[0, :, 32:96, 24:80] = 0
    masks[1, :, :, : RES // 2] = 0
    masks[1, :, 16:30, 10:40] = 1
    z = torch.randn(B, Z_DIM, generator=gen)

    recorded, dropout = [], F.dropout

    def replayable_dropout(x, p=0.5, training=True, inplace=False):
        y = dropout(x, p, training, inplace)
        recorded.append(y.detach().clone())
        return y

    mat.F.dropout = replayable_dropout
    with torch.no_grad():
        img, img_stg1 = G(images, masks, z, None, truncation_psi=0.7, noise_mode="const", return_stg1=True)
        logits, logits_stg1 = D(img, masks, img_stg1, None)
    assert len(recorded) == 2

    os.makedirs(args.out, exist_ok=True)
    weights = {f"G.{k}": v for k, v in G.state_dict().items() if not k.endswith("attn_mask")}
    weights.update({f"D.{k}": v for k, v in D.state_dict().items()})
    meta = {"format": "pt", "model": "mat", "case": "generator_128_narrow"}
    write_safetensors(os.path.join(args.out, "weights.safetensors"), as_f32(weights), meta)
    io = {"images_in": images, "masks_in": masks, "z": z, "dropout_mul_map_stage1": recorded[0], "dropout_mul_map_stage2": recorded[1],
          "img": img, "img_stg1": img_stg1, "logits": logits, "logits_stg1": logits_stg1}
    write_safetensors(os.path.join(args.out, "io.safetensors"), as_f32(io), meta)
    count = lambda m: sum(p.numel() for p in m.parameters())
    case = {
        "model": "mat",
        "case": "generator_128_narrow",
        "reference": {"repo": "fenglinglwb/MAT", "commit": "d273d891ecdad2e1df106516423a75bc45b2d800", "files": ["networks/mat.py", "networks/basic_module.py"],
                      "patches": f"networks.mat.nf(stage) = min({CHANNEL_BASE} // 2**stage, {CHANNEL_MAX}); FirstStage dim default {DIM} (instead of 180)"},
        "constructor": {"Generator": {"z_dim": Z_DIM, "c_dim": 0, "w_dim": W_DIM, "img_resolution": RES, "img_channels": 3},
                        "Discriminator": {"c_dim": 0, "img_resolution": RES, "img_channels": 3}},
        "patchwork_config": {"imgResolution": RES, "zDim": Z_DIM, "wDim": W_DIM, "firstStage": {"dim": DIM}, "channelBase": CHANNEL_BASE, "channelMax": CHANNEL_MAX},
        "call": {"img, img_stg1": "G(images_in, masks_in, z, None, truncation_psi=0.7, noise_mode='const', return_stg1=True) with the two F.dropout maps recorded",
                 "logits, logits_stg1": "D(img, masks_in, img_stg1, None)"},
        "param_count": {"G": count(G), "D": count(D)},
        "torch_version": torch.__version__,
        "tolerance": {"max_abs": 1e-3},
        "notes": "attn_mask buffers omitted (deterministic, never read); weights prefixed G./D.",
    }
    with open(os.path.join(args.out, "case.json"), "w") as f:
        json.dump(case, f, indent=2)
    print(json.dumps(case["param_count"]), "->", args.out)


if __name__ == "__main__":
    main()
