import { defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module } from '../module.js';
import { checkLastDim } from './common.js';
import type { Layer } from './common.js';
import { GELU } from './activations.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';

/** Options for {@link Mlp}; defaults as timm's `Mlp`. */
export interface MlpOptions {
  /** Default: `inFeatures`. */
  hiddenFeatures?: number;
  /** Default: `inFeatures`. */
  outFeatures?: number;
  /** Activation factory; default exact GELU. */
  actLayer?: () => Layer;
  /** Optional norm after the activation (`norm`), built with the hidden width. */
  normLayer?: (dim: number) => Layer;
  /** Bias of fc1 and fc2 (one value for both, or a pair). */
  bias?: boolean | readonly [boolean, boolean];
  /** Dropout after the activation and after fc2 (one value for both, or a pair). */
  drop?: number | readonly [number, number];
  rng?: Rng;
}

/** timm's ViT MLP: `fc1 → act → drop1 → norm → fc2 → drop2` over the last axis; state dict `fc1.*`, `fc2.*` (and `norm.*`). */
export class Mlp extends Module {
  readonly fc1: Linear;
  readonly act: Layer;
  readonly drop1: Dropout;
  readonly norm: Layer | null;
  readonly fc2: Linear;
  readonly drop2: Dropout;

  constructor(
    readonly inFeatures: number,
    { hiddenFeatures = inFeatures, outFeatures = inFeatures, actLayer = () => new GELU(), normLayer, bias = true, drop = 0, rng = defaultRng() }: MlpOptions = {},
  ) {
    super();
    const [bias1, bias2] = typeof bias === 'boolean' ? [bias, bias] : bias;
    const [drop1, drop2] = typeof drop === 'number' ? [drop, drop] : drop;
    this.fc1 = this.addModule('fc1', new Linear(inFeatures, hiddenFeatures, { bias: bias1, rng }));
    this.act = this.addModule('act', actLayer());
    this.drop1 = this.addModule('drop1', new Dropout(drop1, { rng }));
    this.norm = normLayer === undefined ? null : this.addModule('norm', normLayer(hiddenFeatures));
    this.fc2 = this.addModule('fc2', new Linear(hiddenFeatures, outFeatures, { bias: bias2, rng }));
    this.drop2 = this.addModule('drop2', new Dropout(drop2, { rng }));
  }

  /** `x`: `[..., inFeatures]` → `[..., outFeatures]`. */
  forward(x: tf.Tensor): tf.Tensor {
    checkLastDim('Mlp', x, this.inFeatures);
    return tf.tidy(() => {
      let h = this.drop1.forward(this.act.forward(this.fc1.forward(x)));
      if (this.norm !== null) h = this.norm.forward(h);
      return this.drop2.forward(this.fc2.forward(h));
    });
  }
}
