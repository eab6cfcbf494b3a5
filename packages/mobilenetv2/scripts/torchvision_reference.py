"""Reference numbers for the @patchwork/mobilenetv2 tests, from the official torchvision code.

Run with Debian's PyTorch (see the repository README):  /usr/bin/python3 scripts/torchvision_reference.py
Prints, per config: parameter count, state-dict size, the widths of every block (in, hidden, out),
and multiply-accumulates of one 1-image forward counted as conv + linear MACs
(out_elements * in_channels/groups * kh * kw for a conv, in*out for a linear layer).
"""
import json

import torch
from torchvision.models import mobilenet_v2

CONFIGS = {
    "w0.6_c7": dict(width_mult=0.6, num_classes=7),
    "w1.0_rn1_c5": dict(width_mult=1.0, round_nearest=1, num_classes=5),
    "custom_tie": dict(
        width_mult=0.47,
        round_nearest=1,
        num_classes=4,
        inverted_residual_setting=[[1.5, 16, 1, 1], [2.5, 24, 2, 2], [3, 40, 2, 2], [4, 80, 1, 1]],
    ),
}
SIZES = {"w0.6_c7": 96, "w1.0_rn1_c5": 64, "custom_tie": 40}


def macs(model, size):
    total = [0]

    def conv(mod, _inp, out):
        total[0] += out.numel() * mod.in_channels // mod.groups * mod.kernel_size[0] * mod.kernel_size[1]

    def linear(mod, _inp, _out):
        total[0] += mod.in_features * mod.out_features

    hooks = [m.register_forward_hook(conv) for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    hooks += [m.register_forward_hook(linear) for m in model.modules() if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        model.eval()(torch.zeros(1, 3, size, size))
    for h in hooks:
        h.remove()
    return total[0]


out = {}
for name, kw in CONFIGS.items():
    m = mobilenet_v2(**kw)
    # [in, hidden, out] per inverted residual; conv[0] is the expansion (or, for t == 1, the depthwise) conv.
    blocks = [[b.conv[0][0].in_channels, b.conv[-2].in_channels, b.out_channels] for b in list(m.features)[1:-1]]
    out[name] = {
        "params": sum(p.numel() for p in m.parameters()),
        "state_dict_entries": len(m.state_dict()),
        "blocks": blocks,
        "size": SIZES[name],
        "macs": macs(m, SIZES[name]),
    }
for name, rec in out.items():
    print(name, json.dumps(rec))

# The width x resolution grid of the paper's trade-off table, same MAC convention.
for width in (0.35, 0.5, 0.75, 1.0, 1.3, 1.4):
    model = mobilenet_v2(width_mult=width)
    print(f"width {width}: params {sum(p.numel() for p in model.parameters())}", end="")
    for size in (96, 128, 160, 192, 224):
        print(f", macs@{size} {macs(model, size)}", end="")
    print()
