import { PatchworkError, nchwToNhwc, nhwcToNchw, tf } from '@patchwork/tensor-core';
import { MobileNetV2, fromTorchvisionConfig, loadTorchvisionStateDict } from '@patchwork/mobilenetv2';
import type { ParityAdapter, ParityOutput } from '../adapter.js';
import type { ParityCase } from '../case.js';

const UPDATED = 'updated.';

/**
 * torchvision `mobilenet_v2` cases: the model is built from the official constructor kwargs
 * (`fromTorchvisionConfig`, which rejects arguments it cannot honour), loaded with the official
 * weights and run once on the recorded NCHW input `x` (as NHWC), in train mode when the case's
 * `mode` says TRAIN. Outputs: `features` (`model.features(x)`, back to NCHW), `pooled`, `logits`,
 * and for every `updated.<bn>.<buffer>` the fixture holds, that BN buffer after the forward
 * (`num_batches_tracked` must match exactly).
 */
export const mobilenetv2Adapter: ParityAdapter = {
  name: 'torchvision MobileNetV2',
  accepts: (c) => c.json.model === 'mobilenetv2',
  run: (c) => {
    const input = c.io['x'];
    if (input === undefined) throw new PatchworkError('E_ARGUMENT', `${c.dir}: io.safetensors has no input 'x'`);
    const train = /^\s*train/i.test(c.json.mode ?? '');
    const model = new MobileNetV2(fromTorchvisionConfig(c.json.constructor)).train(train);
    try {
      loadTorchvisionStateDict(model, c.weights);
      const outputs: Record<string, ParityOutput> = {};
      for (const [name, value] of Object.entries(tf.tidy(() => run(model, nchwToNhwc(input))))) {
        if (c.io[name] !== undefined) outputs[name] = { value };
        else value.dispose();
      }
      Object.assign(outputs, updatedBuffers(model, c));
      return outputs;
    } finally {
      model.dispose();
    }
  },
};

function run(model: MobileNetV2, x: tf.Tensor): Record<string, tf.Tensor> {
  // One pass through `features`, so a train-mode case updates the BN statistics exactly once.
  const features = model.forwardFeatures(x);
  return {
    features: nhwcToNchw(features),
    pooled: model.forwardHead(features, { preLogits: true }),
    logits: model.forwardHead(features),
  };
}

function updatedBuffers(model: MobileNetV2, c: ParityCase): Record<string, ParityOutput> {
  const buffers = new Map(model.namedBuffers());
  const out: Record<string, ParityOutput> = {};
  for (const key of Object.keys(c.io).filter((k) => k.startsWith(UPDATED))) {
    const name = key.slice(UPDATED.length);
    const buffer = buffers.get(name);
    if (buffer === undefined) throw new PatchworkError('E_ARGUMENT', `${c.dir}: io holds '${key}', but the model has no buffer '${name}'`);
    out[key] = { value: tf.clone(buffer.variable), toleranceScale: name.endsWith('num_batches_tracked') ? 0 : 1 };
  }
  return out;
}
