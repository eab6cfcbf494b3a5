"""Reference numbers for packages/layers/src/optim and src/train tests.

Run with the Debian PyTorch (1.13):  /usr/bin/python3 tooling/reference/optim_reference.py
Prints one JSON object; the tests embed its numbers as literals (9 significant digits).

Parameters and gradients are closed-form functions of (param index, element index, step), so the
TypeScript tests rebuild exactly the same float32 inputs without shipping fixtures.
"""
import json
import math

import torch

SHAPES = [(3, 4), (4,), (2, 3), (2,)]


def init_param(j, shape):
    n = math.prod(shape)
    vals = [math.cos(0.37 * i + 0.1 + 0.9 * j) * 0.5 for i in range(n)]
    return torch.tensor(vals, dtype=torch.float32).reshape(shape)


def grad_at(j, shape, k, scale=1.0):
    n = math.prod(shape)
    vals = [math.sin(0.9 * i + 1.7 * k + 0.5 * j) * (1 + 0.25 * j) * scale for i in range(n)]
    return torch.tensor(vals, dtype=torch.float32).reshape(shape)


def r(t):
    return [float('%.9g' % v) for v in t.detach().flatten().tolist()]


def make_params():
    return [torch.nn.Parameter(init_param(j, s)) for j, s in enumerate(SHAPES)]


def run(opt_factory, steps=5, lrs=None, skip=(3, 2), grad_scales=(1, 1, 1, 1)):
    """`skip=(j, k)`: parameter j gets no gradient at step k (torch leaves it and its state alone)."""
    params = make_params()
    opt = opt_factory(params)
    base = [g['lr'] for g in opt.param_groups]
    for k in range(steps):
        if lrs is not None:
            for g, b in zip(opt.param_groups, base):
                g['lr'] = b * lrs[k]
        for j, (p, s) in enumerate(zip(params, SHAPES)):
            p.grad = None if (j, k) == skip else grad_at(j, s, k, grad_scales[j])
        opt.step()
    return [r(p) for p in params]


LR_FACTORS = [1 - 0.15 * k for k in range(5)]

out = {}

# AdamW, two groups: lr scale 1 / 0.5, weight decay 0.05 / 0.1; base lr 1e-2 scaled per step.
out['adamw'] = run(
    lambda ps: torch.optim.AdamW(
        [
            {'params': ps[:2], 'lr': 1e-2 * 1.0, 'weight_decay': 0.05},
            {'params': ps[2:], 'lr': 1e-2 * 0.5, 'weight_decay': 0.1},
        ],
        betas=(0.9, 0.95), eps=1e-3),
    lrs=LR_FACTORS)

# Adam as GAN trainers use it: betas (0, 0.99), L2 weight decay, tiny grads on param 3 so eps matters.
out['adam'] = run(
    lambda ps: torch.optim.Adam(ps, lr=2e-3, betas=(0.0, 0.99), weight_decay=1e-2),
    grad_scales=(1, 1, 1, 1e-8))

# SGD momentum + nesterov + weight decay, two groups (lr scale 1 / 0.25, wd 1e-3 / 0).
out['sgd_nesterov'] = run(
    lambda ps: torch.optim.SGD(
        [
            {'params': ps[:2], 'lr': 0.1, 'weight_decay': 1e-3},
            {'params': ps[2:], 'lr': 0.1 * 0.25, 'weight_decay': 0.0},
        ],
        lr=0.1, momentum=0.9, nesterov=True),
    lrs=LR_FACTORS)

# SGD momentum with dampening, no nesterov.
out['sgd_dampening'] = run(lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0.5))

# clip_grad_norm_ on the step-0 gradients.
clip = {}
for key, max_norm, norm_type in [('l2', 1.0, 2.0), ('inf', 0.5, math.inf), ('l1', 3.0, 1.0), ('l2_noclip', 100.0, 2.0)]:
    ps = make_params()
    for j, (p, s) in enumerate(zip(ps, SHAPES)):
        p.grad = grad_at(j, s, 0)
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
    clip[key] = {'total': float('%.9g' % total.item()), 'grads': [r(p.grad) for p in ps]}
out['clip'] = clip

# clip_grad_value_.
ps = make_params()
for j, (p, s) in enumerate(zip(ps, SHAPES)):
    p.grad = grad_at(j, s, 0)
torch.nn.utils.clip_grad_value_(ps, 0.6)
out['clip_value'] = [r(p.grad) for p in ps]


# MAE util/lr_sched.py adjust_learning_rate, verbatim formula, at fractional epochs.
def mae_cosine(epoch, lr=1e-3, min_lr=1e-6, warmup_epochs=5, epochs=50):
    if epoch < warmup_epochs:
        return lr * epoch / warmup_epochs
    return min_lr + (lr - min_lr) * 0.5 * (1. + math.cos(math.pi * (epoch - warmup_epochs) / (epochs - warmup_epochs)))


ITERS_PER_EPOCH = 37
mae_points = [(0, 0), (0, 1), (2, 18), (4, 36), (5, 0), (5, 1), (17, 3), (30, 20), (49, 36)]
out['mae_cosine'] = [[e + i / ITERS_PER_EPOCH, mae_cosine(e + i / ITERS_PER_EPOCH)] for e, i in mae_points]


# mmcv PolyLrUpdaterHook + linear warmup (by_epoch=False), the mmseg schedule: regular lr at the
# current iteration times the warmup factor.
def mmcv_poly(it, base_lr, max_iters, power, min_lr, warmup_iters=None, warmup_ratio=None):
    coeff = (1 - it / max_iters) ** power
    regular = (base_lr - min_lr) * coeff + min_lr
    if warmup_iters is None or it >= warmup_iters:
        return regular
    k = (1 - it / warmup_iters) * (1 - warmup_ratio)
    return regular * (1 - k)


poly_iters = [0, 1, 750, 1499, 1500, 1501, 80000, 159999]
out['mmseg_poly_warmup'] = [[it, mmcv_poly(it, 6e-5, 160000, 1.0, 0.0, 1500, 1e-6)] for it in poly_iters]
poly_iters2 = [0, 100, 20000, 39999, 40000]
out['mmseg_poly_09'] = [[it, mmcv_poly(it, 0.01, 40000, 0.9, 1e-4)] for it in poly_iters2]


# torch StepLR / MultiStepLR: lr after `n` scheduler steps.
def torch_sched(make, n_max):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1)
    sched = make(opt)
    lrs = [opt.param_groups[0]['lr']]
    for _ in range(n_max):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]['lr'])
    return lrs


out['step_lr'] = torch_sched(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5), 10)
out['multistep_lr'] = torch_sched(lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[2, 5, 9], gamma=0.1), 10)



# MAE util/lr_decay.py param_groups_lrd + get_layer_id_for_vit (verbatim logic; MAE is not a
# package) on a tiny ViT-like torch module with the names the TypeScript test builds.
def get_layer_id_for_vit(name, num_layers):
    if name in ['cls_token', 'pos_embed']:
        return 0
    elif name.startswith('patch_embed'):
        return 0
    elif name.startswith('blocks'):
        return int(name.split('.')[1]) + 1
    else:
        return num_layers


def param_groups_lrd(model, weight_decay=0.05, no_weight_decay_list=[], layer_decay=.75):
    param_group_names = {}
    num_layers = len(model.blocks) + 1
    layer_scales = list(layer_decay ** (num_layers - i) for i in range(num_layers + 1))
    for n, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if p.ndim == 1 or n in no_weight_decay_list:
            g_decay, this_decay = "no_decay", 0.
        else:
            g_decay, this_decay = "decay", weight_decay
        layer_id = get_layer_id_for_vit(n, num_layers)
        group_name = "layer_%d_%s" % (layer_id, g_decay)
        if group_name not in param_group_names:
            param_group_names[group_name] = {"lr_scale": layer_scales[layer_id], "weight_decay": this_decay, "params": []}
        param_group_names[group_name]["params"].append(n)
    return list(param_group_names.values())


class TinyBlock(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 4)


class TinyViT(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.cls_token = torch.nn.Parameter(torch.zeros(1, 1, 4))
        self.pos_embed = torch.nn.Parameter(torch.zeros(1, 3, 4))
        self.patch_embed = torch.nn.Linear(6, 4)
        self.blocks = torch.nn.ModuleList([TinyBlock(), TinyBlock()])
        self.norm = torch.nn.LayerNorm(4)
        self.head = torch.nn.Linear(4, 2)


out['layer_decay_groups'] = param_groups_lrd(TinyViT(), weight_decay=0.05, no_weight_decay_list={'cls_token', 'pos_embed'}, layer_decay=0.75)

print(json.dumps(out))
