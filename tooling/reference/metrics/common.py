"""Shared helpers for the @patchwork/metrics reference scripts: safetensors writing and JSON output."""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
# Only dtypes @patchwork/tensor-core reads (it has no F64): inputs are float32, references float64 in JSON.
DTYPES = {np.dtype("float32"): "F32", np.dtype("int32"): "I32"}


def write_safetensors(name, arrays, metadata=None):
    """Write `arrays` (name -> numpy array of float32/float64/int32) to HERE/name, names sorted."""
    entries, blobs, offset = {"__metadata__": metadata or {}}, [], 0
    for key in sorted(arrays):
        a = np.ascontiguousarray(arrays[key])
        data = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        entries[key] = {"dtype": DTYPES[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header = json.dumps(entries, separators=(",", ":")).encode("utf-8")
    header += b" " * (-len(header) % 8)
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(len(header).to_bytes(8, "little"))
        f.write(header)
        for blob in blobs:
            f.write(blob)


def write_json(name, value):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(value, f, indent=1, sort_keys=True)
        f.write("\n")
