import { StateDictError, fromTorchLayout, parseConfig, tf, toTorchLayout, torchShapeOf } from '@patchwork/tensor-core';
import type { TorchLayout } from '@patchwork/tensor-core';
import { z } from 'zod';
import type { Module } from '../module.js';

const emaSchema = z
  .object({
    decay: z.number().min(0).max(1).default(0.9999),
    warmup: z.boolean().default(false),
    warmupGamma: z.number().gt(0).default(1),
    warmupPower: z.number().gt(0).default(2 / 3),
  })
  .strict();

/** Options for {@link ModelEma}, as timm's `ModelEmaV3` names them (`use_warmup` → `warmup`). */
export type ModelEmaOptions = z.input<typeof emaSchema>;

interface Entry {
  value: tf.Tensor;
  readonly layout: TorchLayout;
}

/**
 * Exponential moving average of a module's weights (timm `ModelEmaV2`/`V3`):
 * `ema ← decay·ema + (1 − decay)·value` for every parameter and persistent float buffer;
 * integer buffers are copied. Keyed by PyTorch names, so {@link stateDict} is a model state dict
 * (timm's `state_dict_ema`) that loads into the module itself.
 */
export class ModelEma {
  /** Target decay. */
  readonly decay: number;
  private readonly options: z.output<typeof emaSchema>;
  private readonly entries = new Map<string, Entry>();

  /** Start from a copy of `module`'s current weights. */
  constructor(module: Module, options: ModelEmaOptions = {}) {
    this.options = parseConfig(emaSchema, options, 'ModelEma options');
    this.decay = this.options.decay;
    for (const [name, { variable, layout }] of tracked(module)) this.entries.set(name, { value: tf.clone(variable), layout });
  }

  /**
   * timm `ModelEmaV3.get_decay`: without `step`, the target decay; with it, 0 for the first step
   * (a plain copy), then with `warmup` `min(decay, 1 − (1 + (step − 1)/gamma)^−power)`.
   */
  decayAt(step?: number): number {
    if (step === undefined) return this.decay;
    const s = Math.max(0, step - 1);
    if (s <= 0) return 0;
    if (!this.options.warmup) return this.decay;
    return Math.min(1 - (1 + s / this.options.warmupGamma) ** -this.options.warmupPower, this.decay);
  }

  /** Fold `module`'s current weights into the average; pass the optimizer step for the warmup. */
  update(module: Module, step?: number): void {
    const decay = this.decayAt(step);
    for (const [variable, entry] of this.pairs(module)) {
      const old = entry.value;
      entry.value =
        variable.dtype === 'float32' ? tf.tidy(() => tf.add(tf.mul(old, decay), tf.mul(variable, 1 - decay))) : tf.clone(variable);
      old.dispose();
    }
  }

  /** Reset the average to `module`'s current weights (timm `set`). */
  set(module: Module): void {
    for (const [variable, entry] of this.pairs(module)) {
      entry.value.dispose();
      entry.value = tf.clone(variable);
    }
  }

  /** Write the averaged weights into `module` (e.g. an evaluation copy of the model). */
  copyTo(module: Module): void {
    for (const [variable, entry] of this.pairs(module)) variable.assign(entry.value);
  }

  /** The averaged weights under their PyTorch names, in PyTorch layouts. New tensors; the caller disposes. */
  stateDict(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [name, e] of this.entries) out[name] = toTorchLayout(e.value, e.layout, name);
    return out;
  }

  /** Load averaged weights saved by {@link stateDict} (or a module state dict). Keys and shapes must match exactly. */
  loadStateDict(dict: Record<string, tf.Tensor>): void {
    const problems: string[] = [];
    for (const [name, e] of this.entries) {
      const given = dict[name];
      const want = torchShapeOf(e.value.shape, e.layout);
      if (given === undefined) problems.push(`  - missing key: ${name}`);
      else if (given.shape.join(',') !== want.join(',')) problems.push(`  - ${name}: shape [${given.shape.join(', ')}] saved, [${want.join(', ')}] expected`);
      else if (given.dtype !== e.value.dtype) problems.push(`  - ${name}: dtype ${given.dtype} saved, ${e.value.dtype} expected`);
    }
    for (const name of Object.keys(dict)) if (!this.entries.has(name)) problems.push(`  - unexpected key: ${name}`);
    if (problems.length > 0) throw new StateDictError(`cannot load EMA state dict:\n${problems.join('\n')}`);
    for (const [name, e] of this.entries) {
      e.value.dispose();
      e.value = fromTorchLayout(dict[name]!, e.layout, name);
    }
  }

  /** Free the averaged weights. */
  dispose(): void {
    for (const e of this.entries.values()) e.value.dispose();
    this.entries.clear();
  }

  /** `module`'s tracked tensors matched to the entries by name; a different architecture is an error. */
  private pairs(module: Module): [tf.Variable, Entry][] {
    const items = tracked(module);
    const out: [tf.Variable, Entry][] = [];
    const missing: string[] = [];
    for (const [name, { variable }] of items) {
      const entry = this.entries.get(name);
      if (entry === undefined || entry.value.shape.join(',') !== variable.shape.join(',')) missing.push(name);
      else out.push([variable, entry]);
    }
    if (missing.length > 0 || items.length !== this.entries.size) {
      throw new StateDictError(
        `module does not match the EMA (${items.length} tensors vs ${this.entries.size})${missing.length > 0 ? `: unknown or mis-shaped ${missing.join(', ')}` : ''}`,
      );
    }
    return out;
  }
}

/** Parameters and persistent buffers: what a module's state dict holds. */
function tracked(module: Module): [string, { variable: tf.Variable; layout: TorchLayout }][] {
  return [...module.namedParameters(), ...module.namedBuffers().filter(([, b]) => b.persistent)];
}
