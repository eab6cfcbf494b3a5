// Every public function that allocates frees its intermediates: numTensors after = before + what it returns.
import { Rng, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { TINY, smoothImages } from './__fixtures__/tiny.js';
import { FlowmoCodes } from './codes.js';
import { timestepEmbedding } from './mmdit.js';
import { patchify, unpatchify } from './patchify.js';
import { FSQ } from './quantize/fsq.js';
import { LFQ } from './quantize/lfq.js';
import { denoisedPrediction, flowMatchingLoss, noisedImages } from './rectified-flow.js';
import { FlowmoTokenizer } from './tokenizer.js';
import { rfLoss } from './train/stage-1a.js';
import { randomChainTimesteps, sampleChain } from './train/stage-1b.js';
import { ForcedWeightNorm } from './train/weight-norm.js';

describe('tensor hygiene of the building blocks', () => {
  it('frees everything but the returned tensors', async () => {
    const model = new FlowmoTokenizer(TINY, { rng: new Rng(1) });
    const x = smoothImages(2, 16, 1);
    const t = tf.tensor1d([0.3, 0.8]);
    const z1 = new Rng(2).normal([2, 16, 16, 3]);
    const txt = tf.zeros([2, 4, 4]);
    const present = tf.tensor1d([1, 0]);
    const ones = tf.ones([2, 4, 4]);
    const keep: tf.Tensor[] = [x, t, z1, txt, present, ones];
    const track = async <T>(fn: () => T, returned: number): Promise<T> => {
      const out = await expectNoLeaks(fn, returned);
      keep.push(...(Array.isArray(out) ? out : out instanceof tf.Tensor ? [out] : Object.values(out as object).filter((v): v is tf.Tensor => v instanceof tf.Tensor)));
      return out;
    };
    await track(() => timestepEmbedding(t), 1);
    const tokens = await track(() => patchify(x, 4), 1);
    await track(() => unpatchify(tokens, 4, [4, 4], 3), 1);
    const zt = await track(() => noisedImages(x, z1, t), 1);
    await track(() => flowMatchingLoss(zt, x, z1), 1);
    await track(() => denoisedPrediction(zt, x, t), 1);
    await track(() => model.encoder.forward(x, txt, null), 2);
    await track(() => model.encoder.forward(x, txt, t, { outputs: 'img' }), 1);
    const rf = await expectNoLeaks(() => rfLoss(model, { images: x, t, z1, present }, { perceptual: (a, b) => tf.mean(tf.squaredDifference(a, b)) as tf.Scalar }), 8);
    keep.push(rf.total, rf.diffusion, rf.quantizer, rf.perceptual!, ...Object.values(rf.breakdown!));
    const lfq = new LFQ(4);
    await track(() => lfq.indices(txt), 1);
    await track(() => lfq.losses(txt), 4);
    const fsq = new FSQ([3, 3, 4, 5]);
    await track(() => fsq.levelIndices(txt), 1);
    await track(() => new FlowmoCodes('lfq', 1, 2, [2, 2], Uint8Array.from([1, 0, 0, 1])).toTensor(), 1);
    const code = model.decoderCode(ones);
    keep.push(code);
    await track(() => sampleChain(model, code, z1, randomChainTimesteps(2, 2, new Rng(3))), 1);
    const norm = new ForcedWeightNorm(model);
    await expectNoLeaks(() => norm.apply());
    norm.dispose();
    const before = tf.memory().numTensors;
    tf.dispose(keep);
    expect(before - tf.memory().numTensors).toBe(keep.length);
    [lfq, fsq, model].forEach((m) => m.dispose());
  });
});
