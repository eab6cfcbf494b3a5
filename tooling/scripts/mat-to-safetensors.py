#!/usr/bin/python3
"""Convert an official MAT network pickle (fenglinglwb/MAT, e.g. Places_512_FullData.pkl) into a
safetensors state dict that @patchwork/mat-inpaint loads with loadOfficialStateDict.

MAT releases its models as StyleGAN2-ADA network pickles: whole pickled modules whose classes are
rebuilt from the MAT repository's code, so a checkout of the official repository is required:

    git clone https://github.com/fenglinglwb/MAT ~/MAT
    /usr/bin/python3 tooling/scripts/mat-to-safetensors.py --mat-repo ~/MAT Places_512_FullData.pkl places512.safetensors

Options: --network G_ema (default; what generate_image.py uses), G or D. The output holds the
module's state_dict() under the official names (the deterministic `attn_mask` buffers are kept
unless --drop-attn-mask), float32 (or --dtype f16/bf16), and metadata:
  - mat_network: the pickle entry converted;
  - mat_kwargs: the official constructor arguments as JSON (the pickle's recorded `init_kwargs`;
    Generator: z_dim, c_dim, w_dim, img_resolution, img_channels, synthesis_kwargs,
    mapping_kwargs), which matConfigFromOfficial() turns into a MatConfig.

MAT imports `timm.models.layers` for three helpers it barely uses; if timm is not installed, a
minimal stand-in is registered so the pickle can be unpickled (the weights do not depend on it).

Loading a pickle runs code from it: only convert files you trust (the official releases).
"""

import argparse
import importlib.util
import json
import os
import sys
import types

import torch


def generic_converter():
    """The shared writer in torch-to-safetensors.py (convert + atomic write), loaded by path."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch-to-safetensors.py")
    spec = importlib.util.spec_from_file_location("torch_to_safetensors", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ensure_timm():
    try:
        import timm.models.layers  # noqa: F401
        return
    except ImportError:
        pass
    import collections.abc
    import torch.nn as nn

    layers = types.ModuleType("timm.models.layers")
    layers.to_2tuple = lambda x: tuple(x) if isinstance(x, collections.abc.Iterable) else (x, x)

    class DropPath(nn.Module):  # MAT builds it but never calls it
        def __init__(self, drop_prob=0.0):
            super().__init__()

        def forward(self, x):
            return x

    layers.DropPath = DropPath
    layers.trunc_normal_ = lambda t, std=1.0, **_: nn.init.trunc_normal_(t, std=std)
    timm = types.ModuleType("timm")
    models = types.ModuleType("timm.models")
    timm.models, models.layers = models, layers
    sys.modules.update({"timm": timm, "timm.models": models, "timm.models.layers": layers})
    print("timm not installed: using a minimal stand-in for timm.models.layers", file=sys.stderr)


def official_kwargs(net, network):
    # Persistent classes (torch_utils.persistence) remember their constructor arguments.
    init = getattr(net, "init_kwargs", None)
    if isinstance(init, dict):
        return json.loads(json.dumps(dict(init), default=lambda o: dict(o) if isinstance(o, dict) else str(o)))
    if network == "D":
        return {"c_dim": int(net.c_dim), "img_resolution": int(net.img_resolution), "img_channels": int(net.img_channels)}
    return {"z_dim": int(net.z_dim), "c_dim": int(net.c_dim), "w_dim": int(net.w_dim), "img_resolution": int(net.img_resolution), "img_channels": int(net.img_channels)}


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("input", help="official network pickle (.pkl)")
    p.add_argument("output", help="safetensors file to write")
    p.add_argument("--mat-repo", required=True, help="checkout of https://github.com/fenglinglwb/MAT (its legacy.py, dnnlib, torch_utils, networks)")
    p.add_argument("--network", choices=["G_ema", "G", "D"], default="G_ema")
    p.add_argument("--dtype", choices=["f32", "f16", "bf16"], default="f32")
    p.add_argument("--drop-attn-mask", action="store_true", help="leave out the deterministic *.attn_mask buffers (about 4 MB at 512)")
    args = p.parse_args(argv)

    repo = os.path.abspath(os.path.expanduser(args.mat_repo))
    if not os.path.isfile(os.path.join(repo, "legacy.py")):
        sys.exit(f"error: {repo} does not look like a MAT checkout (no legacy.py)")
    sys.path.insert(0, repo)
    ensure_timm()
    import legacy  # noqa: E402  (from the MAT checkout)

    with open(args.input, "rb") as f:
        data = legacy.load_network_pkl(f)
    if args.network not in data:
        sys.exit(f"error: {args.input} has no '{args.network}' (entries: {', '.join(k for k in data if not k.startswith('_'))})")
    net = data[args.network]
    if not isinstance(net, torch.nn.Module):
        sys.exit(f"error: '{args.network}' in {args.input} is a {type(net).__name__}, not a network")

    state = {k: v for k, v in net.state_dict().items() if not (args.drop_attn_mask and k.endswith("attn_mask"))}
    conv = generic_converter()
    tensors = conv.convert(state, [], args.dtype)
    metadata = {
        "format": "pt",
        "model": "mat",
        "source": os.path.basename(args.input),
        "mat_network": args.network,
        "mat_kwargs": json.dumps(official_kwargs(net, args.network)),
    }
    conv.write_atomic(args.output, tensors, metadata)
    params = sum(p.numel() for p in net.parameters())
    print(f"wrote {len(tensors)} tensors ({params:,} parameters) of {args.network} to {args.output}; mat_kwargs={metadata['mat_kwargs']}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
