import { parseConfig, tf } from '@patchwork/tensor-core';
import { z } from 'zod';
import { Optimizer } from './optimizer.js';
import type { OptimizerParams, ParamState } from './optimizer.js';

const sgdHyperSchema = z
  .object({
    momentum: z.number().min(0),
    dampening: z.number(),
    nesterov: z.boolean(),
  })
  .strict()
  .refine((h) => !h.nesterov || (h.momentum > 0 && h.dampening === 0), {
    message: 'Nesterov momentum requires a momentum and zero dampening',
    path: ['nesterov'],
  });

type SgdHyper = z.infer<typeof sgdHyperSchema>;

const sgdOptionsSchema = z
  .object({
    lr: z.number().min(0),
    momentum: z.number().min(0).default(0),
    dampening: z.number().default(0),
    weightDecay: z.number().min(0).default(0),
    nesterov: z.boolean().default(false),
  })
  .strict()
  .refine((o) => !o.nesterov || (o.momentum > 0 && o.dampening === 0), {
    message: 'Nesterov momentum requires a momentum and zero dampening',
    path: ['nesterov'],
  });

/** Options for {@link SGD}, with `torch.optim.SGD`'s names and defaults (`lr` is required). */
export type SgdOptions = z.input<typeof sgdOptionsSchema>;

/**
 * `torch.optim.SGD`: L2 weight decay added to the gradient, momentum buffer initialised to the
 * first gradient, `buf ← momentum·buf + (1 − dampening)·g`, Nesterov `g + momentum·buf`.
 * State: `momentum_buffer` (none without momentum).
 */
export class SGD extends Optimizer<SgdHyper> {
  constructor(params: OptimizerParams, options: SgdOptions) {
    const o = parseConfig(sgdOptionsSchema, options, 'SGD options');
    super('SGD', params, { lr: o.lr, weightDecay: o.weightDecay }, { momentum: o.momentum, dampening: o.dampening, nesterov: o.nesterov }, sgdHyperSchema);
  }

  get momentum(): number {
    return this.hyper.momentum;
  }

  get dampening(): number {
    return this.hyper.dampening;
  }

  get nesterov(): boolean {
    return this.hyper.nesterov;
  }

  protected stateKeys(hyper: SgdHyper): { tensors: readonly string[]; counters: readonly string[] } {
    return { tensors: hyper.momentum === 0 ? [] : ['momentum_buffer'], counters: [] };
  }

  protected update(state: ParamState, grad: tf.Tensor, lr: number, weightDecay: number): void {
    const { momentum, dampening, nesterov } = this.hyper;
    const p = state.variable;
    const buf0 = state.tensors.momentum_buffer;
    const buf = tf.tidy(() => {
      let d = weightDecay !== 0 ? tf.add(grad, tf.mul(p, weightDecay)) : grad;
      const buf = momentum === 0 ? null : buf0 === undefined ? tf.clone(d) : tf.add(tf.mul(buf0, momentum), tf.mul(d, 1 - dampening));
      if (buf !== null) d = nesterov ? tf.add(d, tf.mul(buf, momentum)) : buf;
      p.assign(tf.sub(p, tf.mul(d, lr)));
      return buf === null ? [] : [buf];
    });
    buf0?.dispose();
    state.tensors = buf[0] === undefined ? {} : { momentum_buffer: buf[0] };
  }
}
