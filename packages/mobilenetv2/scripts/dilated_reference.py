"""Reference outputs for the dilated (output-stride 16 / 8) MobileNetV2, from torchvision's own modules.

torchvision has no output-stride option for MobileNetV2, so this edits a torchvision model the way
TF-slim's `mobilenet_base(output_stride=...)` (the Mobile DeepLabv3 code) builds it: once the running
stride reaches the target, each later stride-2 depthwise conv gets stride 1 and the current rate, and
the rate is multiplied by 2 for the blocks after it. Weights and input are the fixture
`tooling/fixtures/mobilenetv2/w0.5_eval_64px`, so the test reuses them.

Run:  /usr/bin/python3 scripts/dilated_reference.py > src/__fixtures__/dilated.json
"""
import json
import os
import struct

import torch
from torchvision.models import mobilenet_v2

HERE = os.path.dirname(os.path.abspath(__file__))
CASE = os.path.join(HERE, "..", "..", "..", "tooling", "fixtures", "mobilenetv2", "w0.5_eval_64px")
DTYPES = {"F32": torch.float32, "I64": torch.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    body = data[8 + n :]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        t = torch.frombuffer(bytearray(body[begin:end]), dtype=DTYPES[info["dtype"]])
        out[name] = t.reshape(info["shape"])
    return out


def dilate(model, output_stride):
    current, rate = 2, 1  # after the stride-2 stem
    for block in list(model.features)[1:-1]:
        dw = block.conv[0][0] if len(block.conv) == 3 else block.conv[1][0]
        stride = dw.stride[0]
        if current == output_stride:
            dw.stride, dw.dilation, dw.padding = (1, 1), (rate, rate), (rate, rate)
            rate *= stride
        else:
            current *= stride


weights = read_safetensors(os.path.join(CASE, "weights.safetensors"))
x = read_safetensors(os.path.join(CASE, "io.safetensors"))["x"]
result = {"case": "w0.5_eval_64px", "generator": "scripts/dilated_reference.py", "torch": torch.__version__}
for os_ in (16, 8):
    model = mobilenet_v2(width_mult=0.5, num_classes=10)
    model.load_state_dict(weights)
    dilate(model.eval(), os_)
    with torch.no_grad():
        feats = model.features(x)
        result[f"os{os_}"] = {
            "features_shape": list(feats.shape),
            "pooled": [round(v, 6) for v in feats.mean((2, 3)).flatten().tolist()],
            "logits": [round(v, 6) for v in model(x).flatten().tolist()],
        }
print(json.dumps(result))
