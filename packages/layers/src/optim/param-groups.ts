import { PatchworkError, parseConfig } from '@patchwork/tensor-core';
import type { TorchLayout, tf } from '@patchwork/tensor-core';
import { z } from 'zod';
import type { Module } from '../module.js';

/**
 * A set of parameters sharing optimizer settings, like a PyTorch `param_group`. The group's
 * learning rate is the optimizer's base rate times `lrScale` (the MAE/timm `lr_scale` convention).
 */
export interface ParamGroup {
  /** PyTorch parameter names, parallel to `variables`; optimizer state dicts are keyed by them. */
  names: string[];
  variables: tf.Variable[];
  /** Checkpoint layout of each variable, so optimizer state is saved in PyTorch layout like the weights. */
  layouts: TorchLayout[];
  lrScale: number;
  weightDecay: number;
}

const weightDecaySchema = z
  .object({
    weightDecay: z.number().min(0),
    noWeightDecay: z.array(z.string()).default([]),
  })
  .strict();

/** Options for {@link weightDecayGroups}. */
export type WeightDecayGroupsOptions = z.input<typeof weightDecaySchema>;

const layerDecaySchema = z
  .object({
    weightDecay: z.number().min(0),
    layerDecay: z.number().gt(0).max(1),
    numLayers: z.number().int().min(0),
    noWeightDecay: z.array(z.string()).default([]),
  })
  .strict();

/** Options for {@link layerDecayGroups}. */
export interface LayerDecayGroupsOptions extends z.input<typeof layerDecaySchema> {
  /**
   * Layer id of a parameter in `[0, numLayers + 1]`; defaults to {@link vitLayerId}. Id `i` gets
   * `lrScale = layerDecay ** (numLayers + 1 - i)`.
   */
  layerId?: (name: string) => number;
}

/**
 * timm `param_groups_weight_decay`: parameters with `ndim <= 1` (biases, norm weights), names
 * ending in `.bias` and names in `noWeightDecay` (e.g. `pos_embed`, `cls_token`) get no weight
 * decay; everything else gets `weightDecay`. Frozen (non-trainable) variables are left out.
 * Returns `[noDecay, decay]` in that order, as timm does, without empty groups.
 */
export function weightDecayGroups(module: Module, options: WeightDecayGroupsOptions): ParamGroup[] {
  const { weightDecay, noWeightDecay } = parseConfig(weightDecaySchema, options, 'weightDecayGroups options');
  const skip = new Set(noWeightDecay);
  const noDecay = emptyGroup(1, 0);
  const decay = emptyGroup(1, weightDecay);
  for (const [name, p] of module.namedParameters()) {
    if (!p.variable.trainable) continue;
    addTo(isNoDecay(name, p.variable, skip) ? noDecay : decay, name, p.variable, p.layout);
  }
  return [noDecay, decay].filter((g) => g.names.length > 0);
}

/**
 * MAE `param_groups_lrd` (layer-wise learning-rate decay, from BEiT): one group per
 * (layer id, decay / no decay) in order of first appearance, with
 * `lrScale = layerDecay ** (numLayers + 1 - layerId)`. `numLayers` is the number of transformer
 * blocks (MAE's `len(model.blocks)`), so the embeddings (id 0) get the smallest rate and the head
 * (id `numLayers + 1`) the full one. The no-decay rule is {@link weightDecayGroups}'s.
 */
export function layerDecayGroups(module: Module, options: LayerDecayGroupsOptions): ParamGroup[] {
  const { layerId: customLayerId, ...rest } = options;
  const { weightDecay, layerDecay, numLayers, noWeightDecay } = parseConfig(layerDecaySchema, rest, 'layerDecayGroups options');
  const layerId = customLayerId ?? ((name: string) => vitLayerId(name, numLayers));
  const skip = new Set(noWeightDecay);
  const groups = new Map<string, ParamGroup>();
  for (const [name, p] of module.namedParameters()) {
    if (!p.variable.trainable) continue;
    const id = layerId(name);
    if (!Number.isInteger(id) || id < 0 || id > numLayers + 1) {
      throw new PatchworkError('E_ARGUMENT', `layer id of '${name}' is ${id}; it must be an integer in [0, ${numLayers + 1}] (numLayers + 1)`);
    }
    const noDecay = isNoDecay(name, p.variable, skip);
    const key = `layer_${id}_${noDecay ? 'no_decay' : 'decay'}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = emptyGroup(layerDecay ** (numLayers + 1 - id), noDecay ? 0 : weightDecay);
      groups.set(key, group);
    }
    addTo(group, name, p.variable, p.layout);
  }
  return [...groups.values()];
}

/**
 * MAE/BEiT `get_layer_id_for_vit` for a ViT with `numLayers` blocks: `cls_token`, `pos_embed` and
 * `patch_embed.*` → 0, `blocks.<i>.*` → `i + 1`, anything else (final norm, head) → `numLayers + 1`.
 */
export function vitLayerId(name: string, numLayers: number): number {
  if (name === 'cls_token' || name === 'pos_embed' || name.startsWith('patch_embed')) return 0;
  const block = /^blocks\.(\d+)\./.exec(name);
  if (block !== null) return Number(block[1]) + 1;
  return numLayers + 1;
}

function isNoDecay(name: string, variable: tf.Variable, skip: ReadonlySet<string>): boolean {
  return variable.rank <= 1 || name.endsWith('.bias') || skip.has(name);
}

function emptyGroup(lrScale: number, weightDecay: number): ParamGroup {
  return { names: [], variables: [], layouts: [], lrScale, weightDecay };
}

function addTo(group: ParamGroup, name: string, variable: tf.Variable, layout: TorchLayout): void {
  group.names.push(name);
  group.variables.push(variable);
  group.layouts.push(layout);
}
