import { PatchworkError, ShapeError, StateDictError, fromTorchLayout, parseConfig, tf, toTorchLayout, torchShapeOf } from '@patchwork/tensor-core';
import type { TorchLayout } from '@patchwork/tensor-core';
import { z } from 'zod';
import { Module } from '../module.js';
import { gradEntries } from './grads.js';
import type { GradMap } from './grads.js';

/** A parameter group as given to an optimizer; unset fields take the optimizer's defaults. */
export interface ParamGroupInit {
  variables: readonly tf.Variable[];
  /** Names used in the optimizer state dict; default `variable.name` (only stable if you named the variables). */
  names?: readonly string[];
  /** Checkpoint layouts (default `none`): state tensors are saved in the layout their parameter is saved in. */
  layouts?: readonly TorchLayout[];
  /** Multiplies the optimizer's base learning rate (default 1). */
  lrScale?: number;
  /** Default: the optimizer's `weightDecay`. */
  weightDecay?: number;
}

/**
 * What an optimizer updates: a module (one group with all its parameters under their PyTorch
 * names), plain variables (one group), or explicit groups such as {@link weightDecayGroups} builds.
 */
export type OptimizerParams = Module | readonly tf.Variable[] | readonly ParamGroupInit[];

/** A group inside an optimizer: its membership is fixed, its settings may be changed between steps. */
export interface OptimizerGroup {
  readonly names: readonly string[];
  readonly variables: readonly tf.Variable[];
  readonly layouts: readonly TorchLayout[];
  lrScale: number;
  weightDecay: number;
}

/** JSON-serialisable optimizer hyperparameters (betas, momentum, …). */
export type Hyperparams = Record<string, number | boolean | number[]>;

const hyperValue = z.union([z.number(), z.boolean(), z.array(z.number())]);

const metaSchema = z.object({
  type: z.string(),
  lr: z.number().min(0),
  hyperparams: z.record(z.string(), hyperValue),
  groups: z.array(
    z.object({
      names: z.array(z.string()),
      lrScale: z.number().min(0),
      weightDecay: z.number().min(0),
    }),
  ),
});

/** The JSON half of an {@link OptimizerStateDict}. */
export type OptimizerMeta = z.infer<typeof metaSchema>;

/**
 * An optimizer checkpoint: per-parameter state tensors named `state.<paramName>.<key>` with
 * PyTorch's keys (`exp_avg`, `exp_avg_sq`, `step`, `momentum_buffer`) in PyTorch layout, and
 * the learning rate, hyperparameters and groups as JSON (`meta`), e.g. safetensors metadata.
 */
export interface OptimizerStateDict {
  tensors: Record<string, tf.Tensor>;
  meta: OptimizerMeta;
}

/** One parameter an optimizer updates, with its state (owned by the optimizer). */
export interface ParamState {
  readonly name: string;
  readonly variable: tf.Variable;
  readonly layout: TorchLayout;
  readonly group: OptimizerGroup;
  /** Float state tensors by PyTorch key, e.g. `exp_avg`; empty before the first update. */
  tensors: Record<string, tf.Tensor>;
  /** Integer state by PyTorch key, e.g. `step` (saved as an int32 scalar). */
  counters: Record<string, number>;
}

/**
 * Base of the PyTorch-equivalent optimizers. It owns the groups, resolves gradients to
 * parameters, and saves and restores state; subclasses implement one parameter's update.
 */
export abstract class Optimizer<H extends Hyperparams = Hyperparams> {
  private baseLr: number;
  private readonly groups: OptimizerGroup[];
  private readonly states: ParamState[] = [];
  private readonly byVariable = new Map<tf.Variable, ParamState>();
  private readonly byVarName = new Map<string, ParamState>();
  private readonly byName = new Map<string, ParamState>();

  protected constructor(
    /** Written to the state dict; loading checks it. */
    private readonly kind: string,
    params: OptimizerParams,
    defaults: { lr: number; weightDecay: number },
    protected hyper: H,
    private readonly hyperSchema: z.ZodType<H>,
  ) {
    this.baseLr = defaults.lr;
    this.groups = normalizeGroups(params, defaults.weightDecay);
    for (const group of this.groups) {
      group.variables.forEach((variable, i) => {
        const name = group.names[i]!;
        if (this.byVariable.has(variable)) {
          throw new PatchworkError('E_ARGUMENT', `${kind}: parameter '${name}' appears in more than one parameter group`);
        }
        if (this.byName.has(name)) throw new PatchworkError('E_ARGUMENT', `${kind}: two parameters are both named '${name}'`);
        const state: ParamState = { name, variable, layout: group.layouts[i]!, group, tensors: {}, counters: {} };
        this.states.push(state);
        this.byVariable.set(variable, state);
        this.byVarName.set(variable.name, state);
        this.byName.set(name, state);
      });
    }
  }

  /** Base learning rate; a group's rate is this times its `lrScale`. */
  get lr(): number {
    return this.baseLr;
  }

  /** Set the base learning rate, e.g. from a schedule before each step. */
  setLr(lr: number): void {
    if (!Number.isFinite(lr) || lr < 0) throw new PatchworkError('E_ARGUMENT', `${this.kind}: learning rate must be a finite number >= 0, got ${lr}`);
    this.baseLr = lr;
  }

  /** The parameter groups, in order. `lrScale` and `weightDecay` may be changed between steps. */
  get paramGroups(): readonly OptimizerGroup[] {
    return this.groups;
  }

  /**
   * One optimization step with these gradients (not disposed). Parameters without a gradient
   * are left alone, state included, as PyTorch does for `p.grad is None`. A gradient for a
   * variable this optimizer does not manage, or of the wrong shape, is an error and nothing is updated.
   */
  step(grads: GradMap): void {
    const todo: [ParamState, tf.Tensor][] = [];
    const unknown: string[] = [];
    for (const [key, grad] of gradEntries(grads)) {
      const state = typeof key === 'string' ? this.byVarName.get(key) : this.byVariable.get(key);
      if (state === undefined) {
        unknown.push(typeof key === 'string' ? key : key.name);
        continue;
      }
      if (grad.shape.join(',') !== state.variable.shape.join(',')) {
        throw new ShapeError(`${this.kind}: gradient for '${state.name}' has shape [${grad.shape.join(', ')}], the parameter [${state.variable.shape.join(', ')}]`);
      }
      todo.push([state, grad]);
    }
    if (unknown.length > 0) {
      throw new PatchworkError('E_ARGUMENT', `${this.kind}: got gradients for variables it does not manage: ${unknown.join(', ')}`);
    }
    for (const [state, grad] of todo) this.update(state, grad, this.baseLr * state.group.lrScale, state.group.weightDecay);
  }

  /** Update one parameter in place (`variable.assign`) and replace its state tensors, disposing the old ones. */
  protected abstract update(state: ParamState, grad: tf.Tensor, lr: number, weightDecay: number): void;

  /** The state keys every parameter with state has under these hyperparameters. */
  protected abstract stateKeys(hyper: H): { tensors: readonly string[]; counters: readonly string[] };

  /** State tensors (new, caller disposes) and JSON settings; see {@link OptimizerStateDict}. */
  stateDict(): OptimizerStateDict {
    const tensors: Record<string, tf.Tensor> = {};
    for (const s of this.states) {
      for (const [key, t] of Object.entries(s.tensors)) tensors[`state.${s.name}.${key}`] = toTorchLayout(t, s.layout, s.name);
      for (const [key, n] of Object.entries(s.counters)) tensors[`state.${s.name}.${key}`] = tf.scalar(n, 'int32');
    }
    const meta: OptimizerMeta = {
      type: this.kind,
      lr: this.baseLr,
      hyperparams: structuredClone(this.hyper),
      groups: this.groups.map((g) => ({ names: [...g.names], lrScale: g.lrScale, weightDecay: g.weightDecay })),
    };
    return { tensors, meta };
  }

  /**
   * Restore a {@link stateDict}: state, learning rate, hyperparameters and group settings, as
   * `torch.optim.Optimizer.load_state_dict` does. The groups must hold the same parameter names.
   * `meta` is validated here, so it may come straight from JSON (e.g. a checkpoint's optimizer
   * `hyper`). Every problem is reported at once and nothing changes unless all is well. Inputs
   * are not disposed.
   */
  loadStateDict(dict: { tensors: Record<string, tf.Tensor>; meta: unknown }): void {
    const meta = parseConfig(metaSchema, dict.meta, `${this.kind} state dict meta`);
    const problems: string[] = [];
    if (meta.type !== this.kind) problems.push(`  - saved by ${meta.type}, loading into ${this.kind}`);
    if (meta.groups.length !== this.groups.length) {
      problems.push(`  - ${meta.groups.length} parameter groups saved, ${this.groups.length} in this optimizer`);
    } else {
      meta.groups.forEach((saved, i) => {
        const mine = this.groups[i]!;
        if (saved.names.join('\n') !== mine.names.join('\n')) {
          problems.push(`  - group ${i}: saved parameters [${saved.names.join(', ')}], this optimizer has [${mine.names.join(', ')}]`);
        }
      });
    }
    const hyper = meta.type === this.kind ? this.hyperSchema.safeParse(meta.hyperparams) : null;
    if (hyper !== null && !hyper.success) problems.push(`  - invalid hyperparameters: ${hyper.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);

    const wanted = this.stateKeys(hyper?.success === true ? hyper.data : this.hyper);
    const loaded = new Map<ParamState, { tensors: Record<string, tf.Tensor>; counters: Record<string, number> }>();
    for (const [key, t] of Object.entries(dict.tensors)) {
      const cut = key.lastIndexOf('.');
      const state = key.startsWith('state.') && cut > 6 ? this.byName.get(key.slice(6, cut)) : undefined;
      const slot = key.slice(cut + 1);
      if (state === undefined) {
        problems.push(`  - unexpected key: ${key}`);
        continue;
      }
      const entry = loaded.get(state) ?? { tensors: {}, counters: {} };
      loaded.set(state, entry);
      if (wanted.tensors.includes(slot)) {
        const want = torchShapeOf(state.variable.shape, state.layout);
        if (t.shape.join(',') !== want.join(',')) problems.push(`  - ${key}: shape [${t.shape.join(', ')}] saved, [${want.join(', ')}] expected`);
        else if (t.dtype !== 'float32') problems.push(`  - ${key}: dtype ${t.dtype}, expected float32`);
        else entry.tensors[slot] = t;
      } else if (wanted.counters.includes(slot)) {
        const n = t.size === 1 ? t.dataSync()[0]! : Number.NaN;
        if (!Number.isInteger(n) || n < 0) problems.push(`  - ${key}: expected a non-negative integer scalar`);
        else entry.counters[slot] = n;
      } else {
        problems.push(`  - unexpected key: ${key}`);
      }
    }
    for (const [state, entry] of loaded) {
      for (const slot of [...wanted.tensors, ...wanted.counters]) {
        if (!(slot in entry.tensors) && !(slot in entry.counters)) problems.push(`  - missing key: state.${state.name}.${slot}`);
      }
    }
    if (problems.length > 0 || hyper === null || !hyper.success) {
      throw new StateDictError(`cannot load optimizer state into ${this.kind}:\n${problems.join('\n')}`);
    }

    this.clearState();
    for (const [state, entry] of loaded) {
      for (const [slot, t] of Object.entries(entry.tensors)) state.tensors[slot] = fromTorchLayout(t, state.layout, state.name);
      state.counters = { ...entry.counters };
    }
    this.baseLr = meta.lr;
    this.hyper = hyper.data;
    meta.groups.forEach((saved, i) => {
      this.groups[i]!.lrScale = saved.lrScale;
      this.groups[i]!.weightDecay = saved.weightDecay;
    });
  }

  /** Free all state tensors (the parameters stay). A later step starts from fresh state. */
  dispose(): void {
    this.clearState();
  }

  private clearState(): void {
    for (const s of this.states) {
      tf.dispose(Object.values(s.tensors));
      s.tensors = {};
      s.counters = {};
    }
  }
}

function normalizeGroups(params: OptimizerParams, weightDecay: number): OptimizerGroup[] {
  let inits: readonly ParamGroupInit[];
  if (params instanceof Module) {
    const named = params.namedParameters();
    inits = [{ names: named.map(([n]) => n), variables: named.map(([, p]) => p.variable), layouts: named.map(([, p]) => p.layout) }];
  } else {
    const items: readonly (tf.Variable | ParamGroupInit)[] = params;
    const variables = items.filter((p): p is tf.Variable => p instanceof tf.Variable);
    if (variables.length > 0 && variables.length !== items.length) {
      throw new PatchworkError('E_ARGUMENT', 'optimizer params: give either variables or parameter groups, not a mix');
    }
    inits = variables.length > 0 ? [{ variables }] : (items as readonly ParamGroupInit[]);
  }
  const groups = inits.map((init, i) => {
    const n = init.variables.length;
    if (init.names !== undefined && init.names.length !== n) {
      throw new PatchworkError('E_ARGUMENT', `parameter group ${i}: ${init.names.length} names for ${n} variables`);
    }
    if (init.layouts !== undefined && init.layouts.length !== n) {
      throw new PatchworkError('E_ARGUMENT', `parameter group ${i}: ${init.layouts.length} layouts for ${n} variables`);
    }
    const lrScale = init.lrScale ?? 1;
    const wd = init.weightDecay ?? weightDecay;
    if (!(lrScale >= 0) || !(wd >= 0)) throw new PatchworkError('E_ARGUMENT', `parameter group ${i}: lrScale and weightDecay must be >= 0`);
    return {
      names: [...(init.names ?? init.variables.map((v) => v.name))],
      variables: [...init.variables],
      layouts: [...(init.layouts ?? init.variables.map((): TorchLayout => 'none'))],
      lrScale,
      weightDecay: wd,
    };
  });
  if (groups.every((g) => g.variables.length === 0)) throw new PatchworkError('E_ARGUMENT', 'optimizer got an empty parameter list');
  return groups;
}
