"""A parity case for a config the shipped fixtures do not cover, from the official torchvision code.

Same format and weight recipe as tooling/fixtures (see its README): a custom inverted_residual_setting
with a fractional expansion factor, round_nearest=4, width 0.6, 5 classes, train mode (dropout 0.0) on an
odd-sized input (40 -> 20 -> 10 -> 5 -> 3 -> 2). It stands in for the held-out cases with unseen configs.

Run:  /usr/bin/python3 scripts/unseen_case.py src/__fixtures__/unseen_custom_train_40px
"""
import hashlib
import json
import os
import sys

import torch
from torchvision.models import mobilenet_v2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tooling", "reference"))
from safetensors_io import write_safetensors  # noqa: E402

CONSTRUCTOR = dict(
    width_mult=0.6,
    num_classes=5,
    round_nearest=4,
    dropout=0.0,
    inverted_residual_setting=[[1, 16, 1, 1], [2.5, 24, 2, 2], [4, 40, 2, 2], [6, 48, 1, 1], [3, 64, 2, 2]],
)


def randomize(model, gen):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) * (2**0.5) / fan_in**0.5)
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
            elif isinstance(m, torch.nn.BatchNorm2d):
                m.weight.copy_(1 + 0.1 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))
        # Running stats: statistics of a calibration batch (cumulative average), then perturbed.
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.momentum = None
        model.train()(torch.randn(8, 3, 40, 40, generator=gen))
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.momentum = 0.1
                m.running_mean.add_(0.1 * torch.randn(m.running_mean.shape, generator=gen))
                m.running_var.mul_(0.8 + 0.4 * torch.rand(m.running_var.shape, generator=gen))
                m.num_batches_tracked.zero_()


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(8000)
    model = mobilenet_v2(**CONSTRUCTOR)
    gen = torch.Generator().manual_seed(8001)
    randomize(model, gen)
    weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
    x = torch.randn(3, 3, 40, 40, generator=torch.Generator().manual_seed(8002))
    model.train()
    with torch.no_grad():
        features = model.features(x)
        pooled = torch.flatten(torch.nn.functional.adaptive_avg_pool2d(features, 1), 1)
        logits = model.classifier(pooled)
    io = {"x": x, "features": features, "pooled": pooled, "logits": logits}
    for name, buf in model.named_buffers():
        io[f"updated.{name}"] = buf.detach().clone()
    meta = {"model": "mobilenetv2", "case": os.path.basename(out_dir), "format": "pt"}
    write_safetensors(os.path.join(out_dir, "weights.safetensors"), weights, meta)
    write_safetensors(os.path.join(out_dir, "io.safetensors"), io, meta)
    with open(os.path.join(out_dir, "weights.safetensors"), "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    case = {
        "model": "mobilenetv2",
        "case": os.path.basename(out_dir),
        "reference": {"repo": "pytorch/vision", "torchvision_version": __import__("torchvision").__version__, "file": "torchvision/models/mobilenetv2.py"},
        "generator": "packages/mobilenetv2/scripts/unseen_case.py",
        "constructor": CONSTRUCTOR,
        "mode": "TRAIN: model.train(); BN uses batch statistics; updated.* are the BN buffers after one forward",
        "param_count": sum(p.numel() for p in model.parameters()),
        "weights": {"num_tensors": len(weights), "sha256": sha},
        "tolerance": {"max_abs": 1e-3},
    }
    with open(os.path.join(out_dir, "case.json"), "w") as f:
        json.dump(case, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
