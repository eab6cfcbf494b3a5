"""Plain-PyTorch copies of the mmsegmentation pieces the TypeScript heads reproduce.

mmseg (and mmcv) are not installed here, so the classes below re-type the official code with the
same attribute names, hence the same state-dict keys. Sources (open-mmlab/mmsegmentation, 0.x
branch, as of 2022; mmseg 1.x keeps the same structure and names):

- mmcv.cnn.ConvModule: conv (bias only without norm) -> norm `bn` -> activation (ReLU).
- mmseg/models/decode_heads/decode_head.py: BaseDecodeHead (`conv_seg`, `dropout` = Dropout2d,
  `_transform_inputs` with in_index / input_transform, `losses` = bilinear resize to the label size
  then CrossEntropyLoss).
- mmseg/models/decode_heads/psp_head.py: PPM.
- mmseg/models/decode_heads/uper_head.py: UPerHead.
- mmseg/models/decode_heads/fcn_head.py: FCNHead (with the later `dilation` argument).
- mmseg/models/decode_heads/aspp_head.py: ASPPModule, ASPPHead. `bottleneck_kernel` is a Patchwork
  extension: 1 gives the 1x1 `concat_projection` of TF-DeepLab's MobileNetV2 model ("Mobile
  DeepLabv3" = image pooling + 1x1 branch, no atrous branches); 3 is mmseg.
- facebookresearch/dinov2 dinov2/eval/segmentation/models/decode_heads/linear_head.py: BNHead
  (`bn` + `conv_seg` on resize_concat inputs), the linear-probe head.
- mmseg/models/necks/featurepyramid.py: Feature2Pyramid (the BEiT/MAE ViT neck).
- mmseg/models/losses/cross_entropy_loss.py + utils.py: cross_entropy with class_weight,
  ignore_index, avg_non_ignore; weight_reduce_loss (mmseg 1.x divides by avg_factor + eps).
- mmseg/models/segmentors/encoder_decoder.py: slide_inference / whole_inference.
"""
import torch
import torch.nn.functional as F
from torch import nn


def resize(x, size):
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


class ConvModule(nn.Module):
    def __init__(self, cin, cout, k, padding=0, dilation=1, norm=True, act=True):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, padding=padding, dilation=dilation, bias=not norm)
        self.bn = nn.BatchNorm2d(cout) if norm else None
        self.act = nn.ReLU() if act else None

    def forward(self, x):
        x = self.conv(x)
        if self.bn is not None:
            x = self.bn(x)
        if self.act is not None:
            x = self.act(x)
        return x


class BaseDecodeHead(nn.Module):
    def __init__(self, in_channels, channels, num_classes, dropout_ratio=0.1, in_index=-1, input_transform=None):
        super().__init__()
        self.input_transform = input_transform
        self.in_index = in_index
        if input_transform == "resize_concat":
            self.in_channels = sum(in_channels)
        else:
            self.in_channels = in_channels
        self.channels = channels
        self.num_classes = num_classes
        self.conv_seg = nn.Conv2d(channels, num_classes, kernel_size=1)
        self.dropout = nn.Dropout2d(dropout_ratio) if dropout_ratio > 0 else None

    def _transform_inputs(self, inputs):
        if self.input_transform == "resize_concat":
            inputs = [inputs[i] for i in self.in_index]
            return torch.cat([resize(x, inputs[0].shape[2:]) for x in inputs], dim=1)
        if self.input_transform == "multiple_select":
            return [inputs[i] for i in self.in_index]
        return inputs[self.in_index]

    def cls_seg(self, feat):
        if self.dropout is not None:
            feat = self.dropout(feat)
        return self.conv_seg(feat)


class PPM(nn.ModuleList):
    def __init__(self, pool_scales, in_channels, channels):
        super().__init__()
        for scale in pool_scales:
            self.append(nn.Sequential(nn.AdaptiveAvgPool2d(scale), ConvModule(in_channels, channels, 1)))

    def forward(self, x):
        return [resize(m(x), x.shape[2:]) for m in self]


class UPerHead(BaseDecodeHead):
    def __init__(self, pool_scales=(1, 2, 3, 6), **kwargs):
        super().__init__(input_transform="multiple_select", **kwargs)
        self.psp_modules = PPM(pool_scales, self.in_channels[-1], self.channels)
        self.bottleneck = ConvModule(self.in_channels[-1] + len(pool_scales) * self.channels, self.channels, 3, padding=1)
        self.lateral_convs = nn.ModuleList()
        self.fpn_convs = nn.ModuleList()
        for cin in self.in_channels[:-1]:
            self.lateral_convs.append(ConvModule(cin, self.channels, 1))
            self.fpn_convs.append(ConvModule(self.channels, self.channels, 3, padding=1))
        self.fpn_bottleneck = ConvModule(len(self.in_channels) * self.channels, self.channels, 3, padding=1)

    def psp_forward(self, inputs):
        x = inputs[-1]
        return self.bottleneck(torch.cat([x] + self.psp_modules(x), dim=1))

    def forward(self, inputs):
        inputs = self._transform_inputs(inputs)
        laterals = [conv(inputs[i]) for i, conv in enumerate(self.lateral_convs)]
        laterals.append(self.psp_forward(inputs))
        n = len(laterals)
        for i in range(n - 1, 0, -1):
            laterals[i - 1] = laterals[i - 1] + resize(laterals[i], laterals[i - 1].shape[2:])
        outs = [self.fpn_convs[i](laterals[i]) for i in range(n - 1)]
        outs.append(laterals[-1])
        for i in range(n - 1, 0, -1):
            outs[i] = resize(outs[i], outs[0].shape[2:])
        return self.cls_seg(self.fpn_bottleneck(torch.cat(outs, dim=1)))


class FCNHead(BaseDecodeHead):
    def __init__(self, num_convs=2, kernel_size=3, concat_input=True, dilation=1, **kwargs):
        super().__init__(**kwargs)
        pad = (kernel_size // 2) * dilation
        convs = [ConvModule(self.in_channels, self.channels, kernel_size, padding=pad, dilation=dilation)]
        for _ in range(num_convs - 1):
            convs.append(ConvModule(self.channels, self.channels, kernel_size, padding=pad, dilation=dilation))
        self.convs = nn.Sequential(*convs) if num_convs > 0 else nn.Identity()
        self.concat_input = concat_input
        if concat_input:
            self.conv_cat = ConvModule(self.in_channels + self.channels, self.channels, kernel_size, padding=kernel_size // 2)

    def forward(self, inputs):
        x = self._transform_inputs(inputs)
        out = self.convs(x)
        if self.concat_input:
            out = self.conv_cat(torch.cat([x, out], dim=1))
        return self.cls_seg(out)


class ASPPModule(nn.ModuleList):
    def __init__(self, dilations, in_channels, channels):
        super().__init__()
        for d in dilations:
            self.append(ConvModule(in_channels, channels, 1 if d == 1 else 3, dilation=d, padding=0 if d == 1 else d))

    def forward(self, x):
        return [m(x) for m in self]


class ASPPHead(BaseDecodeHead):
    def __init__(self, dilations=(1, 6, 12, 18), bottleneck_kernel=3, **kwargs):
        super().__init__(**kwargs)
        self.image_pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), ConvModule(self.in_channels, self.channels, 1))
        self.aspp_modules = ASPPModule(dilations, self.in_channels, self.channels)
        self.bottleneck = ConvModule((len(dilations) + 1) * self.channels, self.channels, bottleneck_kernel, padding=bottleneck_kernel // 2)

    def forward(self, inputs):
        x = self._transform_inputs(inputs)
        outs = [resize(self.image_pool(x), x.shape[2:])] + self.aspp_modules(x)
        return self.cls_seg(self.bottleneck(torch.cat(outs, dim=1)))


class BNHead(BaseDecodeHead):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        assert self.in_channels == self.channels
        self.bn = nn.BatchNorm2d(self.in_channels)

    def forward(self, inputs):
        return self.cls_seg(self.bn(self._transform_inputs(inputs)))


class Feature2Pyramid(nn.Module):
    def __init__(self, embed_dim, rescales=(4, 2, 1, 0.5)):
        super().__init__()
        self.rescales = rescales
        self.upsample_4x = None
        for k in rescales:
            if k == 4:
                self.upsample_4x = nn.Sequential(
                    nn.ConvTranspose2d(embed_dim, embed_dim, kernel_size=2, stride=2),
                    nn.BatchNorm2d(embed_dim),
                    nn.GELU(),
                    nn.ConvTranspose2d(embed_dim, embed_dim, kernel_size=2, stride=2),
                )
            elif k == 2:
                self.upsample_2x = nn.Sequential(nn.ConvTranspose2d(embed_dim, embed_dim, kernel_size=2, stride=2))
            elif k == 1:
                self.identity = nn.Identity()
            elif k == 0.5:
                self.downsample_2x = nn.MaxPool2d(kernel_size=2, stride=2)
            elif k == 0.25:
                self.downsample_4x = nn.MaxPool2d(kernel_size=4, stride=4)

    def forward(self, inputs):
        if self.upsample_4x is not None:
            ops = [self.upsample_4x, self.upsample_2x, self.identity, self.downsample_2x]
        else:
            ops = [self.upsample_2x, self.identity, self.downsample_2x, self.downsample_4x]
        return [op(x) for op, x in zip(ops, inputs)]


def cross_entropy(pred, label, class_weight=None, ignore_index=255, avg_non_ignore=True, loss_weight=1.0):
    """CrossEntropyLoss(use_sigmoid=False, reduction='mean') as BaseDecodeHead.losses calls it."""
    loss = F.cross_entropy(pred, label, weight=class_weight, reduction="none", ignore_index=ignore_index)
    if avg_non_ignore:
        avg_factor = label.numel() - (label == ignore_index).sum().item()
        eps = torch.finfo(torch.float32).eps
        return loss_weight * (loss.sum() / (avg_factor + eps))
    return loss_weight * loss.mean()


def head_loss(head, inputs, label, **ce):
    """BaseDecodeHead.loss: forward, bilinear resize of the logits to the label size, cross-entropy."""
    logits = resize(head(inputs), label.shape[1:])
    return cross_entropy(logits, label, **ce)


class EncoderDecoder(nn.Module):
    def __init__(self, backbone, decode_head):
        super().__init__()
        self.backbone = backbone
        self.decode_head = decode_head

    def encode_decode(self, img):
        return resize(self.decode_head(self.backbone(img)), img.shape[2:])

    def slide_inference(self, img, crop, stride):
        h_stride, w_stride = stride
        h_crop, w_crop = crop
        batch, _, h_img, w_img = img.shape
        h_grids = max(h_img - h_crop + h_stride - 1, 0) // h_stride + 1
        w_grids = max(w_img - w_crop + w_stride - 1, 0) // w_stride + 1
        preds = img.new_zeros((batch, self.decode_head.num_classes, h_img, w_img))
        count = img.new_zeros((batch, 1, h_img, w_img))
        for h_idx in range(h_grids):
            for w_idx in range(w_grids):
                y1 = h_idx * h_stride
                x1 = w_idx * w_stride
                y2 = min(y1 + h_crop, h_img)
                x2 = min(x1 + w_crop, w_img)
                y1 = max(y2 - h_crop, 0)
                x1 = max(x2 - w_crop, 0)
                logit = self.encode_decode(img[:, :, y1:y2, x1:x2])
                preds += F.pad(logit, (int(x1), int(w_img - x2), int(y1), int(h_img - y2)))
                count[:, :, y1:y2, x1:x2] += 1
        assert (count == 0).sum() == 0
        return preds / count
