import fs from 'node:fs';
import path from 'node:path';
import { MaeConfigSchema, createMae } from '@patchwork/mae';
import type { MaeConfig } from '@patchwork/mae';
import { PatchworkError, Rng, tf } from '@patchwork/tensor-core';
import { loadCheckpoint } from '@patchwork/tensor-core/node';

const RANDOM = 'random:';

/** MAE encoder weights to start a probe or fine-tune from (owned; call dispose). */
export interface EncoderInit {
  /** The MAE config the weights belong to (its encoder is the architecture to build). */
  config: MaeConfig;
  /** MAE state dict (encoder keys, possibly decoder keys too; `loadMaeEncoder` drops those). */
  weights: Record<string, tf.Tensor>;
  /** Model name of the checkpoint (the MAE preset), or the preset of `random:<preset>`. */
  name: string;
  /** Where the weights came from, for reports: the checkpoint file and step, or `random:<preset> seed N`. */
  source: string;
  /** Pre-training steps behind the weights (0 for `random:`). */
  step: number;
  dispose(): void;
}

/**
 * Resolve `--init`: an apps/mae-pretrain checkpoint (a `.safetensors` file, a `checkpoints/`
 * folder or a run folder holding one; the latest is used), or `random:<mae preset>`, the
 * untrained encoder exactly as MAE pre-training with this seed starts from — the fair baseline.
 * A checkpoint of anything but a `MaskedAutoencoderViT` is refused, naming what it holds.
 */
export function loadEncoderInit(init: string, seed: number): EncoderInit {
  if (init.startsWith(RANDOM)) {
    const preset = init.slice(RANDOM.length);
    const mae = createMae(preset, {}, { rng: new Rng(seed) });
    try {
      const weights = mae.encoderStateDict();
      return { config: mae.config, name: preset, weights, source: `${init} (untrained, seed ${seed})`, step: 0, dispose: () => tf.dispose(Object.values(weights)) };
    } finally {
      mae.dispose();
    }
  }
  const runCheckpoints = path.join(init, 'checkpoints');
  const target = fs.existsSync(path.join(runCheckpoints, 'latest')) ? runCheckpoints : init;
  const ck = loadCheckpoint(target);
  const parsed = MaeConfigSchema.safeParse(ck.model.config);
  if (!parsed.success || !('cls_token' in ck.weights) || !('patch_embed.proj.weight' in ck.weights)) {
    ck.dispose();
    throw new PatchworkError('E_CHECKPOINT', `--init ${init}: ${ck.path} holds model '${ck.model.name}', not an MAE encoder from apps/mae-pretrain`);
  }
  const config = parsed.data;
  return { config, name: ck.model.name, weights: ck.weights, source: `${ck.path} (step ${ck.step})`, step: ck.step, dispose: () => ck.dispose() };
}
