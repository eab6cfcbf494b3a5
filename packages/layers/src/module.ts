import { StateDictError, fromTorchLayout, tf, toTorchLayout, torchShapeOf } from '@patchwork/tensor-core';
import type { TorchLayout } from '@patchwork/tensor-core';

/** A trainable tensor with the PyTorch layout it maps to in a checkpoint. */
export interface Parameter {
  readonly variable: tf.Variable;
  readonly layout: TorchLayout;
}

/** A non-trainable state tensor (running stats, fixed position embeddings, …). */
export interface Buffer {
  readonly variable: tf.Variable;
  readonly layout: TorchLayout;
  /** Persistent buffers appear in {@link Module.stateDict}, like PyTorch's `persistent=True`. */
  readonly persistent: boolean;
}

/** Result of a non-strict {@link Module.loadStateDict}. */
export interface LoadResult {
  missing: string[];
  unexpected: string[];
}

/**
 * A tiny PyTorch-style module system. A module owns named parameters, buffers and child modules;
 * its state-dict names are the dotted paths PyTorch would give (`blocks.0.attn.qkv.weight`), and
 * tensors are converted to and from the PyTorch layouts at that boundary only.
 *
 * Tensors returned by a module's forward are owned by the caller (run inside `tf.tidy`).
 */
export abstract class Module {
  /** True in training mode (dropout, batch statistics); flip with {@link train} / {@link eval}. */
  training = true;
  private readonly ownParams = new Map<string, Parameter>();
  private readonly ownBuffers = new Map<string, Buffer>();
  private readonly children = new Map<string, Module>();

  /** Register a parameter; `init` (in tfjs layout) is owned by the module from now on. */
  protected addParameter(name: string, init: tf.Tensor, layout: TorchLayout = 'none'): tf.Variable {
    this.checkName(name);
    const variable = tf.variable(init, true);
    init.dispose();
    this.ownParams.set(name, { variable, layout });
    return variable;
  }

  /** Register a buffer; `init` is owned by the module from now on. */
  protected addBuffer(name: string, init: tf.Tensor, options: { persistent?: boolean; layout?: TorchLayout } = {}): tf.Variable {
    this.checkName(name);
    const variable = tf.variable(init, false, undefined, init.dtype);
    init.dispose();
    this.ownBuffers.set(name, { variable, layout: options.layout ?? 'none', persistent: options.persistent ?? true });
    return variable;
  }

  /** Register a child module under `name` (an index for lists, as `nn.Sequential`/`nn.ModuleList` do). */
  protected addModule<M extends Module>(name: string | number, module: M): M {
    const key = String(name);
    this.checkName(key);
    this.children.set(key, module);
    module.train(this.training);
    return module;
  }

  private checkName(name: string): void {
    if (name === '' || name.includes('.')) throw new StateDictError(`invalid member name '${name}'`);
    if (this.ownParams.has(name) || this.ownBuffers.has(name) || this.children.has(name)) {
      throw new StateDictError(`${this.constructor.name} already has a member named '${name}'`);
    }
  }

  /** Child modules in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.children.entries()];
  }

  /** Every module in the tree (this one first), with dotted names. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.children) out.push(...child.namedModules(join(prefix, name)));
    return out;
  }

  /** Every parameter in the tree with its full PyTorch name, in registration order. */
  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [name, p] of this.ownParams) out.push([join(prefix, name), p]);
    for (const [name, child] of this.children) out.push(...child.namedParameters(join(prefix, name)));
    return out;
  }

  /** Every buffer in the tree with its full PyTorch name. */
  namedBuffers(prefix = ''): [string, Buffer][] {
    const out: [string, Buffer][] = [];
    for (const [name, b] of this.ownBuffers) out.push([join(prefix, name), b]);
    for (const [name, child] of this.children) out.push(...child.namedBuffers(join(prefix, name)));
    return out;
  }

  /** The trainable variables, e.g. for `tf.variableGrads` or an optimizer. */
  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, p]) => p.variable);
  }

  /** Number of parameter elements (PyTorch's `sum(p.numel() for p in model.parameters())`). */
  numParameters(): number {
    return this.namedParameters().reduce((n, [, p]) => n + p.variable.size, 0);
  }

  /** Set training mode on this module and all children. Returns this. */
  train(mode = true): this {
    this.training = mode;
    for (const child of this.children.values()) child.train(mode);
    return this;
  }

  /** Set evaluation mode (same as `train(false)`). Returns this. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Parameters and persistent buffers under their PyTorch names, converted to PyTorch layouts.
   * Returns new tensors; the caller disposes them.
   */
  stateDict(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [name, p] of this.namedParameters()) out[name] = toTorchLayout(p.variable, p.layout, name);
    for (const [name, b] of this.namedBuffers()) if (b.persistent) out[name] = toTorchLayout(b.variable, b.layout, name);
    return out;
  }

  /**
   * Load PyTorch-named, PyTorch-layout tensors. Shapes and dtypes must match exactly; with
   * `strict` (the default) missing and unexpected keys are errors too. The error lists every
   * problem. The input tensors are not disposed.
   */
  loadStateDict(dict: Record<string, tf.Tensor>, { strict = true }: { strict?: boolean } = {}): LoadResult {
    const targets = new Map<string, Parameter | Buffer>();
    for (const [name, p] of this.namedParameters()) targets.set(name, p);
    for (const [name, b] of this.namedBuffers()) if (b.persistent) targets.set(name, b);

    const missing = [...targets.keys()].filter((k) => !(k in dict));
    const unexpected = Object.keys(dict).filter((k) => !targets.has(k));
    const problems: string[] = [];
    for (const [name, target] of targets) {
      const given = dict[name];
      if (given === undefined) continue;
      const want = torchShapeOf(target.variable.shape, target.layout);
      if (given.shape.join(',') !== want.join(',')) {
        problems.push(`  - ${name}: shape [${given.shape.join(', ')}] in the checkpoint, [${want.join(', ')}] in the model`);
      } else if (isFloat(given.dtype) !== isFloat(target.variable.dtype)) {
        problems.push(`  - ${name}: dtype ${given.dtype} in the checkpoint, ${target.variable.dtype} in the model`);
      }
    }
    if (strict) {
      for (const k of missing) problems.push(`  - missing key: ${k}`);
      for (const k of unexpected) problems.push(`  - unexpected key: ${k}`);
    }
    if (problems.length > 0) {
      const hint = strict && missing.length === targets.size ? ' (no key matched: is this a checkpoint of another model?)' : '';
      throw new StateDictError(`cannot load state dict into ${this.constructor.name}${hint}:\n${problems.join('\n')}`);
    }
    for (const [name, target] of targets) {
      const given = dict[name];
      if (given === undefined) continue;
      tf.tidy(() => {
        const value = fromTorchLayout(given, target.layout, name);
        target.variable.assign(value.dtype === target.variable.dtype ? value : tf.cast(value, target.variable.dtype));
      });
    }
    return { missing, unexpected };
  }

  /** Free every parameter and buffer in the tree. The module is unusable afterwards. */
  dispose(): void {
    for (const p of this.ownParams.values()) p.variable.dispose();
    for (const b of this.ownBuffers.values()) b.variable.dispose();
    for (const child of this.children.values()) child.dispose();
    this.ownParams.clear();
    this.ownBuffers.clear();
    this.children.clear();
  }
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

function isFloat(dtype: tf.DataType): boolean {
  return dtype === 'float32';
}
