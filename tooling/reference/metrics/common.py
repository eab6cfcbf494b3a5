"""Shared helpers for the @patchwork/metrics reference scripts: safetensors writing and JSON output."""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import safetensors_io  # noqa: E402

# Only dtypes @patchwork/tensor-core reads (it has no F64): inputs are float32, references float64 in JSON.
DTYPES = {np.dtype("float32"): "F32", np.dtype("int32"): "I32"}


def write_safetensors(name, arrays, metadata=None):
    """Write `arrays` (name -> numpy array of float32/int32) to HERE/name, names sorted."""
    # ascontiguousarray stores 0-d arrays as shape [1], as the committed files were written.
    arrays = {key: np.ascontiguousarray(a) for key, a in arrays.items()}
    for key, a in arrays.items():
        if a.dtype.newbyteorder("=") not in DTYPES:
            raise KeyError(f"{key}: dtype {a.dtype} is not one @patchwork/tensor-core reads")
    safetensors_io.write_safetensors(os.path.join(HERE, name), arrays, metadata)


def write_json(name, value):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(value, f, indent=1, sort_keys=True)
        f.write("\n")
