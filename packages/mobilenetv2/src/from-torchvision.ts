import { ConfigError, StateDictError, parseConfig, tf } from '@patchwork/tensor-core';
import type { LoadResult } from '@patchwork/layers';
import { z } from 'zod';
import { parseMobileNetV2Config } from './config.js';
import type { MobileNetV2Config, MobileNetV2ConfigInput } from './config.js';
import type { MobileNetV2 } from './mobilenetv2.js';

/**
 * The keyword arguments of torchvision 0.14's `mobilenet_v2(*, weights=None, progress=True,
 * **kwargs)` → `MobileNetV2(num_classes, width_mult, inverted_residual_setting, round_nearest,
 * block, norm_layer, dropout)` that a JSON config can carry. `block` and `norm_layer` are Python
 * callables; only their defaults (InvertedResidual, BatchNorm2d, i.e. `null`) exist here.
 */
const TorchvisionKwargsSchema = z
  .object({
    num_classes: z.int().min(1).optional(),
    width_mult: z.number().positive().optional(),
    inverted_residual_setting: z.array(z.array(z.number())).nullable().optional(),
    round_nearest: z.int().min(1).optional(),
    dropout: z.number().min(0).lt(1).optional(),
    // `null` selects torchvision's default for these two callables.
    block: z.null().optional(),
    norm_layer: z.null().optional(),
    weights: z.null().optional(),
    // torchvision 0.14 still takes the deprecated `pretrained`; only `false` means "no weights".
    pretrained: z.literal(false).optional(),
    progress: z.boolean().optional(),
  })
  .strict();

/** torchvision's `mobilenet_v2(**kwargs)` arguments as JSON (e.g. a fixture's `constructor`). */
export type TorchvisionMobileNetV2Kwargs = z.input<typeof TorchvisionKwargsSchema>;

const CALLABLE_KWARGS = ['block', 'norm_layer'];

/**
 * Translate torchvision `mobilenet_v2` keyword arguments into a {@link MobileNetV2Config}; the
 * resulting network is the one torchvision builds, parameter for parameter. `extra` adds
 * Patchwork-only options (`inChans`, `stemStride`, `outputStride`). Unknown arguments, callables,
 * named `weights` or `pretrained: true` (load the checkpoint with {@link loadTorchvisionStateDict}
 * instead) and settings torchvision would reject (rows that are not `[t, c, n, s]`, strides other
 * than 1 or 2) throw a `ConfigError` naming each.
 */
export function fromTorchvisionConfig(kwargs: unknown, extra: Omit<MobileNetV2ConfigInput, 'numClasses' | 'widthMult' | 'invertedResidualSetting' | 'roundNearest' | 'dropout'> = {}): MobileNetV2Config {
  if (typeof kwargs === 'object' && kwargs !== null) {
    const given = kwargs as Record<string, unknown>;
    const callables = CALLABLE_KWARGS.filter((k) => given[k] !== undefined && given[k] !== null);
    if (callables.length > 0) {
      throw new ConfigError(`torchvision mobilenet_v2: ${callables.join(', ')} (Python callables) are not supported; only the defaults InvertedResidual and BatchNorm2d are implemented`);
    }
  }
  const tv = parseConfig(TorchvisionKwargsSchema, kwargs, 'torchvision mobilenet_v2 arguments');
  // The rows' shape ([t, c, n, s], s ∈ {1, 2}) is checked by our schema, with the same paths.
  return parseMobileNetV2Config({
    ...extra,
    numClasses: tv.num_classes,
    widthMult: tv.width_mult,
    invertedResidualSetting: tv.inverted_residual_setting ?? undefined,
    roundNearest: tv.round_nearest,
    dropout: tv.dropout,
  });
}

/**
 * Load a torchvision MobileNetV2 state dict (PyTorch names and layouts, e.g. read from a
 * safetensors export of `model.state_dict()`) into `model`. Names are torchvision's own, so the
 * mapping is the identity except for checkpoints older than PyTorch 0.4.1, which lack
 * `num_batches_tracked`: PyTorch loads those as 0, and so does this. A state dict of another model
 * is refused with a message that says so; wrong widths or class counts list every mismatched key.
 * The input tensors are not disposed.
 */
export function loadTorchvisionStateDict(model: MobileNetV2, dict: Record<string, tf.Tensor>, { strict = true }: { strict?: boolean } = {}): LoadResult {
  const keys = Object.keys(dict);
  if (!keys.some((k) => k.startsWith('features.'))) {
    const sample = keys.slice(0, 5).join(', ') || 'no tensors';
    throw new StateDictError(`not a torchvision MobileNetV2 state dict: expected features.* and classifier.* keys, got ${sample}${keys.length > 5 ? ', …' : ''}`);
  }
  const filled: tf.Tensor[] = [];
  const complete = { ...dict };
  for (const [name] of model.namedBuffers()) {
    const bn = name.slice(0, -'num_batches_tracked'.length);
    if (name.endsWith('.num_batches_tracked') && !(name in dict) && `${bn}running_mean` in dict) {
      const zero = tf.scalar(0, 'int32');
      filled.push(zero);
      complete[name] = zero;
    }
  }
  try {
    return model.loadStateDict(complete, { strict });
  } finally {
    tf.dispose(filled);
  }
}
