"""Parity cases for official MaskedAutoencoderViT configs the shipped fixtures do not cover.

Same format and weight recipe as tooling/fixtures (see its README): weights N(0, 1/sqrt(fan_in)),
biases N(0, 0.1), norm weights 1 + N(0, 0.1), cls/mask tokens N(0, 0.5), the official sin-cos
tables kept; the masking noise is recorded and replayed. Covered: patch 2 and 8, batch 3, decoder
depth 0 and 2, decoder heads that differ from the encoder's, mlp_ratio 2, mask ratios 0.3 / 0.5 /
0.9, and the bare class's LayerNorm (eps 1e-5, no norm_layer argument).

Needs the official repos on PYTHONPATH: facebookresearch/mae @ efb2a806 and timm
(huggingface/pytorch-image-models @ aa4b5850). Newer timm has no `qk_scale` and numpy ≥ 1.24 no
`np.float`; both are shimmed here at import time, without editing the official files:
  PYTHONPATH=/path/to/mae:/path/to/pytorch-image-models /usr/bin/python3 scripts/unseen_cases.py src/__fixtures__/unseen
"""
import json
import os
import sys
from functools import partial

import numpy as np
import torch
import torch.nn as nn
import timm.models.vision_transformer as tvt

np.float = np.float64  # util/pos_embed.py uses the removed alias (it meant float64)
_Block = tvt.Block
tvt.Block = lambda *args, qk_scale=None, **kwargs: _Block(*args, **kwargs)  # None meant the default scale
import models_mae  # noqa: E402  (after the shims)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tooling", "reference"))
from safetensors_io import write_safetensors  # noqa: E402

EPS6 = "functools.partial(nn.LayerNorm, eps=1e-6)"
CASES = {
    "p4_img16_dec2_ratio0.5_eps1e-5": (dict(img_size=16, patch_size=4, embed_dim=32, depth=1, num_heads=2, decoder_embed_dim=16, decoder_depth=2, decoder_num_heads=4, mlp_ratio=2.0, norm_pix_loss=False), None, 0.5, 3),
    "p2_img12_normpix_ratio0.9": (dict(img_size=12, patch_size=2, embed_dim=24, depth=2, num_heads=3, decoder_embed_dim=20, decoder_depth=1, decoder_num_heads=5, norm_pix_loss=True), EPS6, 0.9, 2),
    "p8_img24_dec0_normpix_ratio0.3": (dict(img_size=24, patch_size=8, embed_dim=16, depth=3, num_heads=4, decoder_embed_dim=8, decoder_depth=0, decoder_num_heads=2, norm_pix_loss=True), EPS6, 0.3, 2),
}


def randomize(model, g):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "pos_embed" in name:
                continue  # the official fixed sin-cos tables
            if "token" in name:
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
            elif p.ndim >= 2:
                p.copy_(torch.randn(p.shape, generator=g) / p[0].numel() ** 0.5)
            elif name.endswith(".weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))


def main(root):
    g = torch.Generator().manual_seed(2025)
    for name, (kwargs, norm, ratio, batch) in CASES.items():
        torch.manual_seed(0)
        extra = {} if norm is None else {"norm_layer": partial(nn.LayerNorm, eps=1e-6)}
        model = models_mae.MaskedAutoencoderViT(**kwargs, **extra).eval()
        randomize(model, g)
        size = kwargs["img_size"]
        num_patches = (size // kwargs["patch_size"]) ** 2
        imgs = torch.randn(batch, 3, size, size, generator=g)
        noise = torch.rand(batch, num_patches, generator=g)
        # Replay: random_masking draws torch.rand(N, L); hand it the recorded noise instead.
        draw, torch.rand = torch.rand, lambda *a, **k: noise
        try:
            with torch.no_grad():
                latent, mask, ids_restore = model.forward_encoder(imgs, ratio)
                pred = model.forward_decoder(latent, ids_restore)
                loss = model.forward_loss(imgs, pred, mask)
        finally:
            torch.rand = draw
        len_keep = int(num_patches * (1 - ratio))
        target = model.patchify(imgs)
        io = {
            "imgs": imgs, "noise": noise, "mask_ratio": torch.tensor([ratio]), "latent": latent, "mask": mask,
            "ids_restore": ids_restore, "ids_keep": torch.argsort(noise, dim=1)[:, :len_keep], "pred": pred,
            "loss": loss.reshape(1), "target_patchified": target, "pred_unpatchified": model.unpatchify(pred),
        }
        if kwargs["norm_pix_loss"]:
            mean, var = target.mean(dim=-1, keepdim=True), target.var(dim=-1, keepdim=True)
            io["target_normalized"] = (target - mean) / (var + 1.0e-6) ** 0.5
        case_dir = os.path.join(root, name)
        os.makedirs(case_dir, exist_ok=True)
        meta = {"model": "mae", "case": name, "format": "pt"}
        write_safetensors(os.path.join(case_dir, "weights.safetensors"), model.state_dict(), meta)
        write_safetensors(os.path.join(case_dir, "io.safetensors"), io, meta)
        constructor = dict(kwargs, **({} if norm is None else {"norm_layer": norm}))
        case = {
            "model": "mae",
            "case": name,
            "reference": {"repo": "facebookresearch/mae", "commit": "efb2a8062c206524e35e47d04501ed4f544c0ae8", "class": "models_mae.MaskedAutoencoderViT"},
            "constructor": constructor,
            "mask_ratio": ratio,
            "len_keep": len_keep,
            "mode": "eval",
            "param_count": sum(p.numel() for p in model.parameters()),
            "tolerance": {"max_abs": 1e-4},
            "notes": "generated by packages/mae/scripts/unseen_cases.py",
        }
        with open(os.path.join(case_dir, "case.json"), "w") as f:
            json.dump(case, f, indent=2)
        print(name, tuple(latent.shape), float(loss), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
