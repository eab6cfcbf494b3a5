#!/usr/bin/python3
"""Convert a PyTorch checkpoint (.pth / .pt / .bin) into a safetensors file Patchwork can load.

Run it with Debian's python3-torch, not a pyenv/venv python:

    /usr/bin/python3 tooling/scripts/torch-to-safetensors.py mae_pretrain_vit_base.pth out.safetensors

The state dict is found automatically when the file holds one directly, or under a single common
key ('state_dict', 'model', 'module', 'model_ema', 'state_dict_ema'); otherwise name it with
--key (dotted for nested dicts, e.g. --key model or --key checkpoint.ema). Floating-point tensors
are written as F32 (or --dtype f16/bf16); int64 stays I64, and int32, uint8 and bool keep their
dtypes. Names are written sorted; metadata records format=pt and the source file.

The safetensors format is written here directly (the `safetensors` package is not required):
8-byte little-endian header length N, N bytes of JSON padded with spaces to a multiple of 8, then
the raw little-endian C-order data.
"""

import argparse
import json
import os
import sys
import tempfile

import torch

COMMON_KEYS = ("state_dict", "model", "module", "model_ema", "state_dict_ema")
FLOAT_DTYPES = {"f32": (torch.float32, "F32"), "f16": (torch.float16, "F16"), "bf16": (torch.bfloat16, "BF16")}
KEPT_DTYPES = {torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL"}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("input", help="PyTorch checkpoint (.pth/.pt/.bin)")
    p.add_argument("output", help="safetensors file to write")
    p.add_argument("--key", help="dotted path to the state dict inside the checkpoint (e.g. model, state_dict, model_ema)")
    p.add_argument("--strip-prefix", action="append", default=[], metavar="PREFIX",
                   help="remove this prefix from names that start with it (e.g. 'module.'); may be repeated")
    p.add_argument("--dtype", choices=sorted(FLOAT_DTYPES), default="f32", help="dtype for floating-point tensors (default f32)")
    p.add_argument("--allow-pickle", action="store_true",
                   help="load with weights_only=False; runs arbitrary code from the file, use only for files you trust")
    return p.parse_args(argv)


def load(path, allow_pickle):
    try:
        return torch.load(path, map_location="cpu", weights_only=not allow_pickle)
    except Exception as err:  # torch raises UnpicklingError, RuntimeError, … depending on the content
        hint = "" if allow_pickle else " (if the file is trusted and stores non-tensor objects, retry with --allow-pickle)"
        sys.exit(f"error: cannot load {path}: {err}{hint}")


def is_state_dict(obj):
    return isinstance(obj, dict) and len(obj) > 0 and all(torch.is_tensor(v) for v in obj.values())


def describe(obj):
    if not isinstance(obj, dict):
        return type(obj).__name__
    return "{" + ", ".join(f"{k!r}: {type(v).__name__}" for k, v in list(obj.items())[:20]) + (", …" if len(obj) > 20 else "") + "}"


def find_state_dict(obj, key):
    if key is not None:
        for part in key.split("."):
            if not isinstance(obj, dict) or part not in obj:
                sys.exit(f"error: --key {key}: no '{part}' in {describe(obj)}")
            obj = obj[part]
        if not isinstance(obj, dict):
            sys.exit(f"error: --key {key} is a {type(obj).__name__}, not a dict of tensors")
        return obj, key
    if is_state_dict(obj):
        return obj, None
    found = [k for k in COMMON_KEYS if isinstance(obj, dict) and is_state_dict(obj.get(k))]
    if len(found) == 1:
        print(f"using the state dict under '{found[0]}'", file=sys.stderr)
        return obj[found[0]], found[0]
    sys.exit(f"error: cannot tell which entry is the state dict; pass --key. Top level: {describe(obj)}")


def convert(state_dict, prefixes, float_dtype):
    torch_float, float_name = FLOAT_DTYPES[float_dtype]
    tensors, skipped = {}, []
    for name, value in state_dict.items():
        if not torch.is_tensor(value):
            skipped.append(name)
            continue
        for prefix in prefixes:
            if name.startswith(prefix):
                name = name[len(prefix):]
        if name in tensors:
            sys.exit(f"error: two tensors are named '{name}' after stripping {prefixes}")
        t = value.detach().cpu()
        if t.is_floating_point():
            tensors[name] = (float_name, list(t.shape), raw_bytes(t.to(torch_float)))
        elif t.dtype in KEPT_DTYPES:
            tensors[name] = (KEPT_DTYPES[t.dtype], list(t.shape), raw_bytes(t))
        else:
            sys.exit(f"error: tensor '{name}' has dtype {t.dtype}, which Patchwork cannot read")
    if skipped:
        print(f"skipped {len(skipped)} non-tensor entries: {', '.join(skipped[:10])}", file=sys.stderr)
    return tensors


def raw_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        # numpy has no bfloat16; reinterpret the same 2-byte words as int16.
        t = t.view(torch.int16)
    a = t.numpy()
    return a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()


def encode_header(tensors, metadata):
    entries, offset = {"__metadata__": metadata}, 0
    for name in sorted(tensors):
        dtype, shape, data = tensors[name]
        entries[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    header = json.dumps(entries, separators=(",", ":")).encode("utf-8")
    header += b" " * (-len(header) % 8)
    return len(header).to_bytes(8, "little") + header


def write_atomic(path, tensors, metadata):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(encode_header(tensors, metadata))
            for name in sorted(tensors):
                f.write(tensors[name][2])
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv):
    args = parse_args(argv)
    state_dict, key = find_state_dict(load(args.input, args.allow_pickle), args.key)
    tensors = convert(state_dict, args.strip_prefix, args.dtype)
    metadata = {"format": "pt", "source": os.path.basename(args.input)}
    if key is not None:
        metadata["source_key"] = key
    write_atomic(args.output, tensors, metadata)
    print(f"wrote {len(tensors)} tensors to {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
