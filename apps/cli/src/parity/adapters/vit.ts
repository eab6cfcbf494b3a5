import { PatchworkError, nchwToNhwc, tf } from '@patchwork/tensor-core';
import { resamplePosEmbed } from '@patchwork/layers';
import { VisionTransformer, fromTimmConfig, loadTimmCheckpoint } from '@patchwork/vit';
import type { ParityAdapter } from '../adapter.js';
import type { ParityCase } from '../case.js';

/**
 * timm `VisionTransformer` cases: the model is built from the official constructor kwargs
 * (`fromTimmConfig`), loaded with the official weights, and run on the recorded NCHW input `x`
 * (as NHWC). Outputs: `features` (forward_features), `pre_logits`, `logits` (forward_head), and
 * where the fixture records them the position embedding resampled to the input's patch grid.
 */
export const vitAdapter: ParityAdapter = {
  name: 'timm VisionTransformer',
  accepts: (c) => c.json.model === 'vit' && (c.json.reference?.class ?? 'VisionTransformer').endsWith('VisionTransformer'),
  run: (c) => {
    const kwargs = c.json.constructor;
    if (typeof kwargs !== 'object' || kwargs === null) throw new PatchworkError('E_CONFIG', `${c.dir}: case.json constructor is not an object of kwargs`);
    const input = c.io['x'];
    if (input === undefined) throw new PatchworkError('E_ARGUMENT', `${c.dir}: io.safetensors has no input 'x'`);
    const model = new VisionTransformer(fromTimmConfig(kwargs as Record<string, unknown>)).eval();
    try {
      loadTimmCheckpoint(model, c.weights);
      const outputs = tf.tidy(() => run(model, nchwToNhwc(input), c));
      return Object.fromEntries(Object.entries(outputs).map(([k, value]) => [k, { value }]));
    } finally {
      model.dispose();
    }
  },
};

function run(model: VisionTransformer, x: tf.Tensor, c: ParityCase): Record<string, tf.Tensor> {
  const features = model.forwardFeatures(x);
  const out: Record<string, tf.Tensor> = {
    features,
    pre_logits: model.forwardHead(features, { preLogits: true }),
    logits: model.forwardHead(features),
  };
  const [ph, pw] = model.patchEmbed.patchSize;
  const grid: [number, number] = [x.shape[1]! / ph, x.shape[2]! / pw];
  if (c.io['pos_embed_resampled'] !== undefined) out['pos_embed_resampled'] = model.positionEmbedding(...grid);
  if (c.io['pos_embed_resampled_bicubic_noantialias'] !== undefined && model.posEmbed !== null) {
    const numPrefixTokens = model.config.noEmbedClass ? 0 : model.numPrefixTokens;
    out['pos_embed_resampled_bicubic_noantialias'] = resamplePosEmbed(model.posEmbed, grid, { oldSize: model.gridSize, numPrefixTokens, antialias: false });
  }
  return out;
}
