"""The benchmark architectures in plain PyTorch (no timm / torchvision import).

Written from the official structures so that each matches its @patchwork/* counterpart layer for
layer and parameter for parameter (apps/bench checks the counts on every run):

- ``VisionTransformer``: timm's ``VisionTransformer`` (class token, learned position embedding,
  pre-norm blocks, LayerNorm eps 1e-6, exact GELU, head on the class token). Attention is written
  out (``softmax(q·kᵀ·scale)·v``) rather than ``F.scaled_dot_product_attention``, as in the engine
  notes, so both sides do the same arithmetic.
- ``MaskedAutoencoderViT``: facebookresearch/mae ``models_mae.py`` (fixed 2-D sin-cos position
  tables, per-sample random masking by argsort of noise, 512-wide decoder, MSE on masked patches).
- ``MobileNetV2``: torchvision's ``mobilenet_v2`` (``_make_divisible``, inverted residuals, ReLU6,
  BN eps 1e-5, dropout + linear classifier) plus Patchwork's ``stem_stride`` for 32 px inputs.

Images are NCHW, PyTorch's default layout.
"""

import torch
from torch import nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, dim, num_heads, qkv_bias=True):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.scale = self.head_dim ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = ((q * self.scale) @ k.transpose(-2, -1)).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    """timm's pre-norm transformer block (no LayerScale, no drop-path)."""

    def __init__(self, dim, num_heads, mlp_ratio=4.0, qkv_bias=True, eps=1e-6):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = Attention(dim, num_heads, qkv_bias)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, img_size, patch_size, in_chans, embed_dim):
        super().__init__()
        self.num_patches = (img_size // patch_size) ** 2
        self.proj = nn.Conv2d(in_chans, embed_dim, patch_size, stride=patch_size)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)  # [B, N, D]


class VisionTransformer(nn.Module):
    def __init__(self, img_size, patch_size, in_chans, num_classes, embed_dim, depth, num_heads, mlp_ratio=4.0):
        super().__init__()
        self.patch_embed = PatchEmbed(img_size, patch_size, in_chans, embed_dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.randn(1, self.patch_embed.num_patches + 1, embed_dim) * 0.02)
        self.blocks = nn.Sequential(*[Block(embed_dim, num_heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(embed_dim, eps=1e-6)
        self.head = nn.Linear(embed_dim, num_classes)

    def forward(self, x):
        x = self.patch_embed(x)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        x = self.norm(self.blocks(x))
        return self.head(x[:, 0])


def sincos_2d(embed_dim, grid_size):
    """MAE's ``get_2d_sincos_pos_embed(embed_dim, grid_size, cls_token=True)`` as a [1 + L, D] tensor."""
    def one_axis(dim, pos):
        omega = 1.0 / 10000 ** (torch.arange(dim // 2, dtype=torch.float64) / (dim / 2.0))
        out = pos.reshape(-1)[:, None] * omega[None, :]
        return torch.cat([torch.sin(out), torch.cos(out)], dim=1)

    coords = torch.arange(grid_size, dtype=torch.float64)
    grid_w, grid_h = torch.meshgrid(coords, coords, indexing='xy')  # official: meshgrid(grid_w, grid_h)
    emb = torch.cat([one_axis(embed_dim // 2, grid_w), one_axis(embed_dim // 2, grid_h)], dim=1)
    return torch.cat([torch.zeros(1, embed_dim, dtype=torch.float64), emb]).float()


class MaskedAutoencoderViT(nn.Module):
    def __init__(self, img_size, patch_size, in_chans, embed_dim, depth, num_heads,
                 decoder_embed_dim, decoder_depth, decoder_num_heads, mlp_ratio=4.0):
        super().__init__()
        self.patch_size = patch_size
        self.patch_embed = PatchEmbed(img_size, patch_size, in_chans, embed_dim)
        grid = img_size // patch_size
        self.cls_token = nn.Parameter(torch.randn(1, 1, embed_dim) * 0.02)
        self.pos_embed = nn.Parameter(sincos_2d(embed_dim, grid)[None], requires_grad=False)
        self.blocks = nn.Sequential(*[Block(embed_dim, num_heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(embed_dim, eps=1e-6)
        self.decoder_embed = nn.Linear(embed_dim, decoder_embed_dim)
        self.mask_token = nn.Parameter(torch.randn(1, 1, decoder_embed_dim) * 0.02)
        self.decoder_pos_embed = nn.Parameter(sincos_2d(decoder_embed_dim, grid)[None], requires_grad=False)
        self.decoder_blocks = nn.Sequential(*[Block(decoder_embed_dim, decoder_num_heads, mlp_ratio) for _ in range(decoder_depth)])
        self.decoder_norm = nn.LayerNorm(decoder_embed_dim, eps=1e-6)
        self.decoder_pred = nn.Linear(decoder_embed_dim, patch_size ** 2 * in_chans)

    def patchify(self, imgs):
        p = self.patch_size
        n, c, h, w = imgs.shape
        x = imgs.reshape(n, c, h // p, p, w // p, p)
        return torch.einsum('nchpwq->nhwpqc', x).reshape(n, (h // p) * (w // p), p * p * c)

    def random_masking(self, x, mask_ratio):
        n, length, d = x.shape
        len_keep = int(length * (1 - mask_ratio))
        noise = torch.rand(n, length)
        ids_shuffle = torch.argsort(noise, dim=1)
        ids_restore = torch.argsort(ids_shuffle, dim=1)
        ids_keep = ids_shuffle[:, :len_keep]
        x_masked = torch.gather(x, 1, ids_keep.unsqueeze(-1).repeat(1, 1, d))
        mask = torch.ones(n, length)
        mask[:, :len_keep] = 0
        return x_masked, torch.gather(mask, 1, ids_restore), ids_restore

    def forward(self, imgs, mask_ratio=0.75):
        x = self.patch_embed(imgs) + self.pos_embed[:, 1:, :]
        x, mask, ids_restore = self.random_masking(x, mask_ratio)
        cls = (self.cls_token + self.pos_embed[:, :1, :]).expand(x.shape[0], -1, -1)
        latent = self.norm(self.blocks(torch.cat([cls, x], dim=1)))

        x = self.decoder_embed(latent)
        mask_tokens = self.mask_token.repeat(x.shape[0], ids_restore.shape[1] + 1 - x.shape[1], 1)
        x_ = torch.cat([x[:, 1:, :], mask_tokens], dim=1)
        x_ = torch.gather(x_, 1, ids_restore.unsqueeze(-1).repeat(1, 1, x.shape[2]))
        x = torch.cat([x[:, :1, :], x_], dim=1) + self.decoder_pos_embed
        pred = self.decoder_pred(self.decoder_norm(self.decoder_blocks(x)))[:, 1:, :]

        loss = ((pred - self.patchify(imgs)) ** 2).mean(dim=-1)
        return (loss * mask).sum() / mask.sum()


def make_divisible(v, divisor, min_value=None):
    min_value = min_value or divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


class ConvBNReLU6(nn.Sequential):
    def __init__(self, inp, out, kernel, stride=1, groups=1):
        super().__init__(
            nn.Conv2d(inp, out, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
            nn.BatchNorm2d(out),
            nn.ReLU6(inplace=True),
        )


class InvertedResidual(nn.Module):
    def __init__(self, inp, out, stride, expand_ratio):
        super().__init__()
        hidden = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == out
        layers = [] if expand_ratio == 1 else [ConvBNReLU6(inp, hidden, 1)]
        layers += [ConvBNReLU6(hidden, hidden, 3, stride, groups=hidden), nn.Conv2d(hidden, out, 1, bias=False), nn.BatchNorm2d(out)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    SETTING = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]]

    def __init__(self, num_classes=1000, width_mult=1.0, stem_stride=2, dropout=0.2, round_nearest=8):
        super().__init__()
        inp = make_divisible(32 * width_mult, round_nearest)
        last = make_divisible(1280 * max(1.0, width_mult), round_nearest)
        features = [ConvBNReLU6(3, inp, 3, stem_stride)]
        for t, c, n, s in self.SETTING:
            out = make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                features.append(InvertedResidual(inp, out, s if i == 0 else 1, t))
                inp = out
        features.append(ConvBNReLU6(inp, last, 1))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(last, num_classes))
        for m in self.modules():  # torchvision's init
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out')
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), 1).flatten(1)
        return self.classifier(x)


def count_trainable(model):
    """``sum(p.numel() for p in model.parameters() if p.requires_grad)``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def build(kind, config):
    """Build the model of a workload spec (the JSON apps/bench sends; camelCase keys as in @patchwork/*)."""
    if kind in ('vit-train', 'vit-infer'):
        return VisionTransformer(config['imgSize'], config['patchSize'], config['inChans'], config['numClasses'],
                                 config['embedDim'], config['depth'], config['numHeads'], config['mlpRatio'])
    if kind == 'mae-train':
        return MaskedAutoencoderViT(config['imgSize'], config['patchSize'], config['inChans'], config['embedDim'],
                                    config['depth'], config['numHeads'], config['decoderEmbedDim'],
                                    config['decoderDepth'], config['decoderNumHeads'], config['mlpRatio'])
    if kind in ('mnv2-train', 'mnv2-infer'):
        return MobileNetV2(config['numClasses'], config['widthMult'], config['stemStride'], config['dropout'])
    raise ValueError(f'unknown model kind {kind!r}')

