import { PatchworkError, nchwToNhwc, nhwcToNchw, tf } from '@patchwork/tensor-core';
import { MaskedAutoencoderViT, fromMaeConfig, loadMaeCheckpoint } from '@patchwork/mae';
import type { ParityAdapter, ParityOutput } from '../adapter.js';
import type { ParityCase } from '../case.js';

/** Outputs that are indices or {0, 1} masks and must match exactly. */
const EXACT = new Set(['mask', 'ids_restore', 'ids_keep']);

/**
 * Official `models_mae.MaskedAutoencoderViT` cases: built from the official constructor kwargs
 * (`fromMaeConfig`), loaded with the official weights, and replayed on the recorded NCHW `imgs`
 * (as NHWC) with the recorded masking `noise` and `mask_ratio`. Outputs as the fixture README lists
 * them; `pred_unpatchified` goes back to NCHW.
 */
export const maeAdapter: ParityAdapter = {
  name: 'official MaskedAutoencoderViT',
  accepts: (c) => c.json.model === 'mae' && (c.json.reference?.class ?? 'MaskedAutoencoderViT').endsWith('MaskedAutoencoderViT'),
  run: (c) => {
    const kwargs = c.json.constructor;
    if (typeof kwargs !== 'object' || kwargs === null) throw new PatchworkError('E_CONFIG', `${c.dir}: case.json constructor is not an object of kwargs`);
    for (const key of ['imgs', 'noise']) {
      if (c.io[key] === undefined) throw new PatchworkError('E_ARGUMENT', `${c.dir}: io.safetensors has no input '${key}'`);
    }
    const model = new MaskedAutoencoderViT(fromMaeConfig(kwargs as Record<string, unknown>)).eval();
    try {
      loadMaeCheckpoint(model, c.weights);
      const outputs = tf.tidy(() => run(model, c));
      return Object.fromEntries(
        Object.entries(outputs)
          .filter(([k]) => c.io[k] !== undefined)
          .map(([k, value]): [string, ParityOutput] => [k, EXACT.has(k) ? { value, toleranceScale: 0 } : { value }]),
      );
    } finally {
      model.dispose();
    }
  },
};

/** The recorded mask ratio: case.json's Python float if present (exact `int(L·(1 − r))`), else the stored float32. */
function maskRatioOf(c: ParityCase): number {
  const fromJson = c.json['mask_ratio'];
  if (typeof fromJson === 'number') return fromJson;
  const stored = c.io['mask_ratio'];
  if (stored === undefined) throw new PatchworkError('E_ARGUMENT', `${c.dir}: no mask_ratio in case.json or io.safetensors`);
  return stored.dataSync()[0]!;
}

function run(model: MaskedAutoencoderViT, c: ParityCase): Record<string, tf.Tensor> {
  const imgs = nchwToNhwc(c.io['imgs']!);
  const { latent, mask, idsRestore, idsKeep } = model.forwardEncoder(imgs, { maskRatio: maskRatioOf(c), noise: c.io['noise']! });
  const pred = model.forwardDecoder(latent, idsRestore);
  const out: Record<string, tf.Tensor> = {
    latent,
    mask,
    ids_restore: idsRestore,
    ids_keep: idsKeep,
    pred,
    loss: tf.reshape(model.forwardLoss(imgs, pred, mask), [1]),
    target_patchified: model.patchify(imgs),
    pred_unpatchified: nhwcToNchw(model.unpatchify(pred)),
  };
  if (model.config.normPixLoss) out['target_normalized'] = model.lossTarget(imgs);
  return out;
}
