import { PatchworkError, tf } from '@patchwork/tensor-core';
import { gradEntries } from '../optim/grads.js';
import type { GradMap } from '../optim/grads.js';

/**
 * Sums gradients over `steps` micro-batches and hands out their mean: the same update as one
 * batch `steps` times larger when each micro-batch loss is a mean (PyTorch's `loss / steps;
 * loss.backward()` accumulation). A variable missing from some micro-batches counts zero there.
 */
export class GradAccumulator {
  private sums = new Map<string, tf.Tensor>();
  private added = 0;

  constructor(readonly steps: number) {
    if (!Number.isInteger(steps) || steps < 1) throw new PatchworkError('E_ARGUMENT', `GradAccumulator: steps must be an integer >= 1, got ${steps}`);
  }

  /** Micro-batches accumulated since the last {@link take}. */
  get count(): number {
    return this.added;
  }

  /** True once `steps` micro-batches are in: time to {@link take} and step the optimizer. */
  get ready(): boolean {
    return this.added >= this.steps;
  }

  /** Add one micro-batch's gradients (not disposed; the accumulator keeps its own sums). */
  add(grads: GradMap): void {
    if (this.ready) throw new PatchworkError('E_ARGUMENT', `GradAccumulator: already holds ${this.steps} micro-batches; take() them first`);
    for (const [key, g] of gradEntries(grads)) {
      const name = typeof key === 'string' ? key : key.name;
      const old = this.sums.get(name);
      this.sums.set(name, old === undefined ? tf.clone(g) : tf.add(old, g));
      old?.dispose();
    }
    this.added++;
  }

  /**
   * The mean gradients, keyed by variable name as `tf.variableGrads` keys them (new tensors; the
   * caller disposes), and start over.
   */
  take(): tf.NamedTensorMap {
    if (this.added === 0) throw new PatchworkError('E_ARGUMENT', 'GradAccumulator: nothing accumulated');
    const out: tf.NamedTensorMap = {};
    for (const [name, sum] of this.sums) out[name] = tf.div(sum, this.added);
    this.reset();
    return out;
  }

  /** Drop what was accumulated. */
  reset(): void {
    tf.dispose([...this.sums.values()]);
    this.sums = new Map();
    this.added = 0;
  }

  /** Free the accumulated tensors (same as {@link reset}). */
  dispose(): void {
    this.reset();
  }
}
