#!/usr/bin/python3
"""Parity fixtures for @patchwork/segmentation-heads (src/__fixtures__/<case>/).

Each case runs one of the plain-PyTorch mmsegmentation modules in mmseg_modules.py on small
seeded random weights and inputs and writes, in the layout of tooling/fixtures:

  weights.safetensors  the state dict (mmseg names, PyTorch layouts; float32, int64 BN counters)
  io.safetensors       inputs (NCHW), outputs, `updated.<buffer>` after a train-mode forward,
                       `grad.<param>` of the stated loss, and int64 labels
  case.json            module, constructor arguments, mode, shapes, loss, tolerance

Weights are redrawn (conv N(0, 1/fan_in), BN affine around 1/0, BN running stats away from 0/1)
so that no init default hides a bug. Train-mode cases use dropout_ratio 0 (torch's dropout masks
cannot be replayed).

Requirements: Debian's PyTorch 1.13 (`/usr/bin/python3`, not a pyenv python).
Usage: /usr/bin/python3 packages/segmentation-heads/reference/make_fixtures.py
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmseg_modules as M  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tooling", "reference"))
from safetensors_io import write_safetensors  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src", "__fixtures__")
SOURCE = "plain-PyTorch re-typing of open-mmlab/mmsegmentation (see reference/mmseg_modules.py)"


def randomize(module):
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("bias"):
                p.copy_(torch.randn_like(p) * 0.1)
            elif p.dim() == 1:
                p.copy_(1 + torch.randn_like(p) * 0.1)
            else:
                p.copy_(torch.randn_like(p) / math.sqrt(p[0].numel()))
        for name, b in module.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(torch.randn_like(b) * 0.1)
            elif name.endswith("running_var"):
                b.copy_(0.5 + torch.rand_like(b))
            elif name.endswith("num_batches_tracked"):
                b.fill_(3)


def save_case(name, module, io, constructor, mode, notes, tolerance=1e-4, loss=None):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    weights = {k: v for k, v in module.state_dict().items()}
    write_safetensors(os.path.join(d, "weights.safetensors"), weights, {"case": name, "format": "pt"}, metadata_last=True)
    write_safetensors(os.path.join(d, "io.safetensors"), io, {"case": name, "format": "pt"}, metadata_last=True)
    case = {
        "model": "segmentation-heads",
        "case": name,
        "reference": SOURCE,
        "module": type(module).__name__,
        "constructor": constructor,
        "mode": mode,
        "loss": loss,
        "io_file": {"tensors": {k: {"dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape)} for k, v in sorted(io.items())}},
        "weights": {"num_tensors": len(weights)},
        "tolerance": {"max_abs": tolerance},
        "notes": notes,
    }
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump(case, f, indent=2)
    print(f"wrote {name}: {len(weights)} weights, io {sorted(io)[:6]}{'...' if len(io) > 6 else ''}")


def feats(shapes, seed):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(*s, generator=g) for s in shapes]


def head_case(name, head, ctor, shapes, mode, seed, notes, loss_cfg=None, label_size=None, grads=False):
    torch.manual_seed(seed)
    randomize(head)
    head.train(mode == "train")
    xs = feats(shapes, seed + 1)
    io = {f"x{i}": x for i, x in enumerate(xs)}
    before = {k: v.clone() for k, v in head.state_dict().items()}
    if grads:
        xs = [x.clone().requires_grad_(True) for x in xs]
    y = head(xs)
    io["logits"] = y.detach()
    if mode == "train":
        for k, v in head.state_dict().items():
            if "running" in k or "num_batches" in k:
                io[f"updated.{k}"] = v.clone()
    if grads:
        if loss_cfg is not None:
            g = torch.Generator().manual_seed(seed + 2)
            n = y.shape[0]
            labels = torch.randint(0, ctor["num_classes"], (n, *label_size), generator=g)
            ignore = torch.rand(n, *label_size, generator=g) < 0.2
            labels[ignore] = 255
            cw = loss_cfg.get("class_weight")
            value = M.cross_entropy(M.resize(y, label_size), labels, class_weight=None if cw is None else torch.tensor(cw),
                                    avg_non_ignore=loss_cfg["avg_non_ignore"], loss_weight=loss_cfg["loss_weight"])
            io["labels"] = labels
        else:
            dy = torch.randn(y.shape, generator=torch.Generator().manual_seed(seed + 2))
            value = (y * dy).sum()
            io["dy"] = dy
        value.backward()
        io["loss"] = value.detach().reshape([])
        for i, x in enumerate(xs):
            io[f"grad.x{i}"] = x.grad
        for k, p in head.named_parameters():
            io[f"grad.{k}"] = p.grad
    # The weights file holds the state before the forward (train mode updates the BN buffers).
    head.load_state_dict(before)
    save_case(name, head, io, ctor, mode, notes, loss=loss_cfg)


def main():
    torch.set_default_dtype(torch.float32)
    uper = dict(in_channels=[6, 8, 10, 12], channels=8, num_classes=5, pool_scales=[1, 2, 3, 6])
    uper_shapes = [(2, 6, 24, 20), (2, 8, 12, 10), (2, 10, 6, 5), (2, 12, 3, 3)]
    head_case("uper_eval", M.UPerHead(in_index=[0, 1, 2, 3], dropout_ratio=0.1, **uper),
              {**uper, "in_index": [0, 1, 2, 3], "dropout_ratio": 0.1}, uper_shapes, "eval", 10,
              "eval mode: BN running stats, dropout off; PPM bins on 3x3 for scales 1,2,3,6 (6 > 3 repeats rows)")
    head_case("uper_train_loss", M.UPerHead(in_index=[0, 1, 2, 3], dropout_ratio=0.0, **uper),
              {**uper, "in_index": [0, 1, 2, 3], "dropout_ratio": 0.0}, uper_shapes, "train", 20,
              "train mode (batch statistics, running stats updated); loss = mmseg CE on logits resized to 48x40 "
              "(labels 20% ignore=255), class weights, avg_non_ignore; grads of that loss",
              loss_cfg={"class_weight": [1.0, 0.5, 2.0, 1.5, 0.8], "avg_non_ignore": True, "loss_weight": 1.0},
              label_size=(48, 40), grads=True)
    fcn = dict(in_channels=10, channels=6, num_classes=5)
    head_case("fcn_aux_eval", M.FCNHead(num_convs=1, concat_input=False, in_index=2, dropout_ratio=0.1, **fcn),
              {**fcn, "num_convs": 1, "concat_input": False, "in_index": 2, "dropout_ratio": 0.1},
              uper_shapes[:3] + [(2, 12, 3, 3)], "eval", 30, "the UperNet recipe's auxiliary head (num_convs 1, no concat, in_index 2)")
    head_case("fcn_concat_dilated_train", M.FCNHead(num_convs=2, concat_input=True, dilation=2, in_index=0, dropout_ratio=0.0, **fcn),
              {**fcn, "num_convs": 2, "concat_input": True, "dilation": 2, "in_index": 0, "dropout_ratio": 0.0},
              [(2, 10, 9, 7)], "train", 40, "train mode, dilation 2, concat_input; loss 0.4 x CE without avg_non_ignore (mean over all pixels)",
              loss_cfg={"avg_non_ignore": False, "loss_weight": 0.4}, label_size=(9, 7), grads=True)
    aspp = dict(in_channels=12, channels=8, num_classes=4)
    head_case("aspp_eval", M.ASPPHead(dilations=(1, 2, 3), in_index=-1, dropout_ratio=0.1, **aspp),
              {**aspp, "dilations": [1, 2, 3], "in_index": -1, "dropout_ratio": 0.1}, [(2, 6, 18, 14), (2, 12, 9, 7)], "eval", 50,
              "mmseg ASPPHead: image pool + 1x1 + dilated 3x3 branches, 3x3 bottleneck")
    head_case("mobile_deeplabv3_train", M.ASPPHead(dilations=(1,), bottleneck_kernel=1, in_index=-1, dropout_ratio=0.0, **aspp),
              {**aspp, "dilations": [1], "bottleneck_kernel": 1, "in_index": -1, "dropout_ratio": 0.0}, [(2, 12, 8, 6)], "train", 60,
              "Mobile DeepLabv3 (TF-DeepLab MobileNetV2 head): image pool + 1x1 branch, 1x1 projection; train mode, grads of sum(y*dy)",
              grads=True)
    bn = dict(in_channels=[6, 8], channels=14, num_classes=3)
    head_case("bn_head_eval", M.BNHead(in_index=[0, 1], input_transform="resize_concat", dropout_ratio=0.0, **bn),
              {**bn, "in_index": [0, 1], "input_transform": "resize_concat", "dropout_ratio": 0.0}, [(2, 6, 10, 8), (2, 8, 5, 4)], "eval", 70,
              "DINOv2-style linear head: bilinear resize_concat, BN, 1x1 conv_seg")

    for name, rescales, mode, seed, grads in [("f2p_4x_train", [4, 2, 1, 0.5], "train", 80, True), ("f2p_2x_eval", [2, 1, 0.5, 0.25], "eval", 90, False)]:
        torch.manual_seed(seed)
        neck = M.Feature2Pyramid(8, rescales)
        randomize(neck)
        neck.train(mode == "train")
        before = {k: v.clone() for k, v in neck.state_dict().items()}
        xs = [x.requires_grad_(grads) for x in feats([(2, 8, 4, 6)] * 4, seed + 1)]
        ys = neck(xs)
        io = {f"x{i}": x.detach() for i, x in enumerate(xs)}
        io.update({f"y{i}": y.detach() for i, y in enumerate(ys)})
        if mode == "train":
            io.update({f"updated.{k}": v.clone() for k, v in neck.state_dict().items() if "running" in k or "num_batches" in k})
        if grads:
            g = torch.Generator().manual_seed(seed + 2)
            dys = [torch.randn(y.shape, generator=g) for y in ys]
            sum((y * dy).sum() for y, dy in zip(ys, dys)).backward()
            io.update({f"dy{i}": dy for i, dy in enumerate(dys)})
            io.update({f"grad.x{i}": x.grad for i, x in enumerate(xs)})
            io.update({f"grad.{k}": p.grad for k, p in neck.named_parameters()})
        neck.load_state_dict(before)
        save_case(name, neck, io, {"embed_dim": 8, "rescales": rescales}, mode,
                  "Feature2Pyramid on four 4x6 maps" + ("; grads of sum(y_i * dy_i)" if grads else ""))

    # Cross-entropy alone: three configurations on the same logits and labels.
    g = torch.Generator().manual_seed(100)
    logits = torch.randn(2, 5, 6, 7, generator=g) * 2
    labels = torch.randint(0, 5, (2, 6, 7), generator=g)
    labels[torch.rand(2, 6, 7, generator=g) < 0.25] = 255
    io = {"logits": logits, "labels": labels}
    configs = {
        "plain": dict(avg_non_ignore=True, loss_weight=1.0),
        "weighted": dict(class_weight=torch.tensor([0.5, 1.0, 2.0, 1.0, 3.0]), avg_non_ignore=True, loss_weight=0.4),
        "mean_all": dict(avg_non_ignore=False, loss_weight=1.0),
    }
    for key, cfg in configs.items():
        x = logits.clone().requires_grad_(True)
        value = M.cross_entropy(x, labels, **cfg)
        value.backward()
        io[f"loss.{key}"] = value.detach().reshape([])
        io[f"grad.{key}"] = x.grad
    save_case("cross_entropy", nn.Module(), io, {k: {kk: (vv.tolist() if torch.is_tensor(vv) else vv) for kk, vv in v.items()} for k, v in configs.items()},
              "n/a", "mmseg cross_entropy (use_sigmoid=False) with ignore_index 255: loss and d loss / d logits", tolerance=1e-5)

    # Sliding-window and whole-image inference of a tiny EncoderDecoder.
    class TinyBackbone(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 3, stride=2, padding=1)
            self.conv2 = nn.Conv2d(6, 8, 3, stride=2, padding=1)

        def forward(self, x):
            a = F.relu(self.conv1(x))
            return [a, F.relu(self.conv2(a))]

    torch.manual_seed(110)
    model = M.EncoderDecoder(TinyBackbone(), M.FCNHead(num_convs=1, concat_input=False, in_channels=8, channels=6, num_classes=4, in_index=1))
    randomize(model)
    model.eval()
    img = torch.randn(2, 3, 20, 28, generator=torch.Generator().manual_seed(111))
    with torch.no_grad():
        slide = model.slide_inference(img, crop=(12, 12), stride=(8, 8))
        whole = model.encode_decode(img)
    save_case("slide_inference", model, {"image": img, "slide_logits": slide, "whole_logits": whole,
                                          "slide_probs": F.softmax(slide, dim=1)},
              {"backbone": "conv3x3/2(3->6)+ReLU, conv3x3/2(6->8)+ReLU -> levels [stride 2, stride 4]",
               "decode_head": {"num_convs": 1, "concat_input": False, "in_channels": 8, "channels": 6, "num_classes": 4, "in_index": 1},
               "test_cfg": {"mode": "slide", "crop_size": [12, 12], "stride": [8, 8]}},
              "eval", "EncoderDecoder.slide_inference (window average of logits) and whole_inference on a 20x28 image")


if __name__ == "__main__":
    main()
