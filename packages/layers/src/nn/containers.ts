import { tf } from '@patchwork/tensor-core';
import { Module } from '../module.js';

/** An indexed list of modules (`nn.ModuleList`): children are named `0`, `1`, … */
export class ModuleList<M extends Module = Module> extends Module {
  private readonly items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.push(m);
  }

  push(module: M): M {
    this.addModule(this.items.length, module);
    this.items.push(module);
    return module;
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): M {
    const m = this.items[i];
    if (m === undefined) throw new RangeError(`ModuleList index ${i} out of range (length ${this.items.length})`);
    return m;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}

/** A module with a single-tensor forward, as {@link Sequential} chains them. */
export interface ForwardModule extends Module {
  forward(x: tf.Tensor): tf.Tensor;
}

/** `nn.Sequential`: children named `0`, `1`, … whose forwards are applied in order. */
export class Sequential extends ModuleList<ForwardModule> {
  /** Apply every child in order. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h = x;
      for (const m of this) h = m.forward(h);
      return h;
    });
  }
}
