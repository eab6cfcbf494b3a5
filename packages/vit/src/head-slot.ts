import { Module } from '@patchwork/layers';
import type { Buffer, Parameter } from '@patchwork/layers';

/**
 * A child position whose module can be replaced after construction (`resetClassifier`). It is
 * transparent in names: registered as `head`, the held Linear's tensors are `head.weight` and
 * `head.bias`, exactly as if the Linear were registered directly. Empty = timm's `nn.Identity`.
 *
 * (`Module` has no way to swap a registered child; if it gains one this class can go.)
 */
export class ModuleSlot<M extends Module> extends Module {
  private held: M | null;

  constructor(module: M | null) {
    super();
    this.held = module;
  }

  /** The module in the slot, or null when empty. */
  get module(): M | null {
    return this.held;
  }

  /** Put `module` (or nothing) in the slot, disposing the previous one. */
  set(module: M | null): void {
    this.held?.dispose();
    this.held = module;
    module?.train(this.training);
  }

  override namedModules(prefix = ''): [string, Module][] {
    return this.held === null ? [] : this.held.namedModules(prefix);
  }

  override namedParameters(prefix = ''): [string, Parameter][] {
    return this.held === null ? [] : this.held.namedParameters(prefix);
  }

  override namedBuffers(prefix = ''): [string, Buffer][] {
    return this.held === null ? [] : this.held.namedBuffers(prefix);
  }

  override train(mode = true): this {
    super.train(mode);
    this.held?.train(mode);
    return this;
  }

  override dispose(): void {
    this.held?.dispose();
    this.held = null;
    super.dispose();
  }
}
