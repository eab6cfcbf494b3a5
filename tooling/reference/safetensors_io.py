"""The safetensors writer shared by the repository's reference/fixture scripts.

Layout: 8-byte little-endian header length, compact JSON header (tensor names sorted, `__metadata__`
always present), padded with spaces to a multiple of 8, then the little-endian tensor data in name order.
"""
import json
import struct

import numpy as np

DTYPES = {
    "float64": "F64",
    "float32": "F32",
    "float16": "F16",
    "int64": "I64",
    "int32": "I32",
    "int16": "I16",
    "int8": "I8",
    "uint8": "U8",
    "bool": "BOOL",
}


def to_numpy(x):
    """A torch tensor (detached, moved to the CPU) or array-like as a C-contiguous little-endian numpy array."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().contiguous().numpy()
    a = np.asarray(x, order="C")  # not ascontiguousarray: it turns 0-d arrays into shape [1]
    return a.astype(a.dtype.newbyteorder("<"), copy=False)


def write_safetensors(path, tensors, metadata=None, metadata_last=False):
    """Write `tensors` (name -> torch tensor or numpy array) to `path`.

    `metadata_last` puts `__metadata__` after the tensor entries in the header (the committed
    segmentation-heads fixtures were written that way); by default it comes first.
    """
    entries, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = to_numpy(tensors[name])
        if a.dtype.name not in DTYPES:
            raise TypeError(f"{name}: unsupported dtype {a.dtype}")
        data = a.tobytes()
        entries[name] = {"dtype": DTYPES[a.dtype.name], "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    meta = {"__metadata__": metadata or {}}
    header = {**entries, **meta} if metadata_last else {**meta, **entries}
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for blob in blobs:
            f.write(blob)
