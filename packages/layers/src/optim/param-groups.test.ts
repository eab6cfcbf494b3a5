import { ConfigError, tf } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { Module } from '../module.js';
import { ModuleList } from '../nn/containers.js';
import { Linear } from '../nn/linear.js';
import { layerDecayGroups, vitLayerId, weightDecayGroups } from './param-groups.js';
import { SGD } from './sgd.js';

class Norm extends Module {
  constructor(dim: number) {
    super();
    this.addParameter('weight', tf.ones([dim]));
    this.addParameter('bias', tf.zeros([dim]));
  }
}

class Block extends Module {
  readonly fc = this.addModule('fc', new Linear(4, 4));
}

/** Parameter names and registration order of a timm/MAE ViT, shrunk to two blocks. */
class TinyViT extends Module {
  readonly clsToken: tf.Variable;
  constructor() {
    super();
    this.clsToken = this.addParameter('cls_token', tf.zeros([1, 1, 4]));
    this.addParameter('pos_embed', tf.zeros([1, 3, 4]));
    this.addModule('patch_embed', new Linear(6, 4));
    this.addModule('blocks', new ModuleList([new Block(), new Block()]));
    this.addModule('norm', new Norm(4));
    this.addModule('head', new Linear(4, 2));
  }
}

const summarize = (groups: ReturnType<typeof weightDecayGroups>) =>
  groups.map((g) => ({ params: g.names, lr_scale: g.lrScale, weight_decay: g.weightDecay }));

describe('weightDecayGroups (timm param_groups_weight_decay)', () => {
  it('puts 1-D parameters, biases and the no-decay list in a wd=0 group', () => {
    const vit = new TinyViT();
    const groups = weightDecayGroups(vit, { weightDecay: 0.05, noWeightDecay: ['cls_token', 'pos_embed'] });
    expect(summarize(groups)).toEqual([
      {
        params: ['cls_token', 'pos_embed', 'patch_embed.bias', 'blocks.0.fc.bias', 'blocks.1.fc.bias', 'norm.weight', 'norm.bias', 'head.bias'],
        lr_scale: 1,
        weight_decay: 0,
      },
      { params: ['patch_embed.weight', 'blocks.0.fc.weight', 'blocks.1.fc.weight', 'head.weight'], lr_scale: 1, weight_decay: 0.05 },
    ]);
    const [noDecay] = groups;
    expect(noDecay!.variables[0]).toBe(vit.clsToken);
    expect(groups[1]!.layouts).toEqual(['linear', 'linear', 'linear', 'linear']);
    vit.dispose();
  });

  it('skips frozen parameters and drops empty groups', () => {
    const vit = new TinyViT();
    for (const [name, p] of vit.namedParameters()) if (!name.startsWith('head')) p.variable.trainable = false;
    expect(summarize(weightDecayGroups(vit, { weightDecay: 0.1 }))).toEqual([
      { params: ['head.bias'], lr_scale: 1, weight_decay: 0 },
      { params: ['head.weight'], lr_scale: 1, weight_decay: 0.1 },
    ]);
    vit.dispose();
  });

  it('validates its options', () => {
    const vit = new TinyViT();
    expect(() => weightDecayGroups(vit, { weightDecay: -1 })).toThrow(ConfigError);
    expect(() => weightDecayGroups(vit, { weightDecay: -1 })).toThrow(/weightDecay/);
    vit.dispose();
  });
});

describe('layerDecayGroups (MAE param_groups_lrd)', () => {
  it('matches MAE on a tiny ViT (groups, order, lr scales, weight decay)', () => {
    // From tooling/reference/optim_reference.py (`layer_decay_groups`: MAE's code on a torch module
    // with these names; layer_decay 0.75, 2 blocks, no_weight_decay_list {cls_token, pos_embed}).
    const mae = [
      { lr_scale: 0.421875, weight_decay: 0.0, params: ['cls_token', 'pos_embed', 'patch_embed.bias'] },
      { lr_scale: 0.421875, weight_decay: 0.05, params: ['patch_embed.weight'] },
      { lr_scale: 0.5625, weight_decay: 0.05, params: ['blocks.0.fc.weight'] },
      { lr_scale: 0.5625, weight_decay: 0.0, params: ['blocks.0.fc.bias'] },
      { lr_scale: 0.75, weight_decay: 0.05, params: ['blocks.1.fc.weight'] },
      { lr_scale: 0.75, weight_decay: 0.0, params: ['blocks.1.fc.bias'] },
      { lr_scale: 1.0, weight_decay: 0.0, params: ['norm.weight', 'norm.bias', 'head.bias'] },
      { lr_scale: 1.0, weight_decay: 0.05, params: ['head.weight'] },
    ];
    const vit = new TinyViT();
    const groups = layerDecayGroups(vit, { weightDecay: 0.05, layerDecay: 0.75, numLayers: 2, noWeightDecay: ['cls_token', 'pos_embed'] });
    expect(summarize(groups)).toEqual(mae.map(({ params, lr_scale, weight_decay }) => ({ params, lr_scale, weight_decay })));
    vit.dispose();
  });

  it('feeds an optimizer: each parameter steps at base lr × its lr scale', () => {
    const vit = new TinyViT();
    const groups = layerDecayGroups(vit, { weightDecay: 0, layerDecay: 0.5, numLayers: 2 });
    const sgd = new SGD(groups, { lr: 1 });
    const before = new Map(vit.namedParameters().map(([n, p]) => [n, p.variable.dataSync()[0]!]));
    const grads = new Map(vit.parameters().map((v) => [v, tf.onesLike(v)]));
    sgd.step(grads);
    const moved = Object.fromEntries(vit.namedParameters().map(([n, p]) => [n, before.get(n)! - p.variable.dataSync()[0]!]));
    const scales = {
      cls_token: 0.125,
      pos_embed: 0.125,
      'patch_embed.weight': 0.125,
      'patch_embed.bias': 0.125,
      'blocks.0.fc.weight': 0.25,
      'blocks.0.fc.bias': 0.25,
      'blocks.1.fc.weight': 0.5,
      'blocks.1.fc.bias': 0.5,
      'norm.weight': 1,
      'norm.bias': 1,
      'head.weight': 1,
      'head.bias': 1,
    };
    expect(moved).toEqual(Object.fromEntries(Object.entries(scales).map(([n, v]) => [n, expect.closeTo(v, 6)])));
    tf.dispose([...grads.values()]);
    vit.dispose();
  });

  it('takes a custom layer id and rejects ids out of range', () => {
    const vit = new TinyViT();
    const groups = layerDecayGroups(vit, { weightDecay: 0, layerDecay: 0.5, numLayers: 2, layerId: (n) => (n.startsWith('head') ? 3 : 1) });
    expect(groups.map((g) => [g.lrScale, g.names.length])).toEqual([
      [0.25, 5],
      [0.25, 5],
      [1, 1],
      [1, 1],
    ]);
    expect(() => layerDecayGroups(vit, { weightDecay: 0, layerDecay: 0.5, numLayers: 2, layerId: () => 4 })).toThrow(/integer in \[0, 3\]/);
    expect(() => layerDecayGroups(vit, { weightDecay: 0, layerDecay: 1.5, numLayers: 2 })).toThrow(/layerDecay/);
    vit.dispose();
  });

  it('vitLayerId follows get_layer_id_for_vit', () => {
    expect(vitLayerId('cls_token', 12)).toBe(0);
    expect(vitLayerId('pos_embed', 12)).toBe(0);
    expect(vitLayerId('patch_embed.proj.weight', 12)).toBe(0);
    expect(vitLayerId('blocks.0.attn.qkv.weight', 12)).toBe(1);
    expect(vitLayerId('blocks.11.mlp.fc2.bias', 12)).toBe(12);
    expect(vitLayerId('fc_norm.weight', 12)).toBe(13);
    expect(vitLayerId('head.weight', 12)).toBe(13);
  });
});
