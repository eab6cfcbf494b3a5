import { Rng, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, it } from 'vitest';
import { keyMaskBias, partialConvMask, windowMaskUpdate } from './body/mask-update.js';
import { TransformerStage } from './body/stage.js';
import { WindowAttention, roll2d, windowPartition, windowReverse } from './body/window-attention.js';
import { MatDiscriminator, MinibatchStdLayer } from './discriminator.js';
import { MICRO, batch } from './__fixtures__/micro.js';
import { MatGenerator } from './generator.js';
import { PerceptualLoss, discriminatorLoss, generatorAdversarialLoss, r1Penalty } from './losses.js';
import { biasAct } from './ops/activation.js';
import { conv2dResample, upsample2d } from './ops/resample.js';
import { MappingNetwork, normalize2ndMoment } from './style/mapping-network.js';
import { bernoulliMixMap, noiseToMap, noiseToTokens, stochasticMix } from './style/token-mixing.js';
import { DecStyleBlock } from './tail.js';

// Every public function and forward that allocates returns only what it documents (the caller
// disposes that); nothing else stays alive.
describe('no tensor leaks', () => {
  const rng = new Rng(0);
  const x = rng.normal([2, 8, 8, 4]) as tf.Tensor4D;
  const mask = tf.tidy(() => tf.cast(tf.greater(rng.uniform([2, 8, 8, 1]), 0.5), 'float32')) as tf.Tensor4D;
  const free = (...ts: (tf.Tensor | null)[]): void => tf.dispose(ts.filter((t): t is tf.Tensor => t !== null));

  it('ops and mask rules', async () => {
    const w = rng.normal([3, 3, 4, 5]) as tf.Tensor4D;
    const b = tf.zeros([4]);
    const mw = tf.reshape(mask, [8, 16, 1]) as tf.Tensor3D;
    const windows = windowPartition(x, 4);
    await expectNoLeaks(() => {
      free(biasAct(x, b, 'lrelu'), biasAct(x, null, 'linear'));
      free(conv2dResample(x, w, { down: 2 }), conv2dResample(x, w, { up: 2 }), conv2dResample(x, w), upsample2d(x));
      const p = partialConvMask(mask, 3, 2);
      free(p.ratio, p.updateMask, windowMaskUpdate(mw), keyMaskBias(mw));
      free(windowPartition(x, 4), windowReverse(windows, 4, 8, 8), roll2d(x, -2));
    }, 0);
    tf.dispose([w, b, mw, windows]);
  });

  it('blocks', async () => {
    const attn = new WindowAttention(4, 2);
    const stage = new TransformerStage(4, [4, 4], { depth: 2, numHeads: 2, windowSize: 2, resample: 'down' });
    const mapping = new MappingNetwork({ zDim: 4, wDim: 4, numWs: 3 });
    const dec = new DecStyleBlock(4, 4, 4, 6, { useNoise: true });
    const tokens = tf.reshape(x, [2, 64, 4]) as tf.Tensor3D;
    const tokenMask = tf.reshape(mask, [2, 64, 1]) as tf.Tensor3D;
    const style = rng.normal([2, 6]);
    const skip = rng.normal([2, 16, 16, 4]) as tf.Tensor4D;
    const z = rng.normal([2, 4]) as tf.Tensor2D;
    const windows = windowPartition(x, 4);
    const maskWindows = tf.reshape(mask, [8, 16, 1]) as tf.Tensor3D;
    const square = tf.ones([2, 256]) as tf.Tensor2D;
    await expectNoLeaks(() => {
      const a = attn.forward(windows, maskWindows);
      const s = stage.forward(tokens, [8, 8], tokenMask);
      const d = dec.forward(x, null, style, skip, { rng: new Rng(1) });
      mapping.train();
      const ws = mapping.forward(z, {});
      mapping.eval();
      free(a.x, a.maskWindows, s.x, s.mask, d.x, d.img, ws, mapping.forward(z, { truncationPsi: 0.5, truncationCutoff: 1 }), normalize2ndMoment(z));
      const m = bernoulliMixMap([2, 64, 4], new Rng(2));
      const n = noiseToTokens(square, 64);
      free(m, n, stochasticMix(tokens, n, m), noiseToMap(square, 8, 8));
    }, 0);
    for (const m of [attn, stage, mapping, dec]) m.dispose();
    tf.dispose([tokens, tokenMask, style, skip, z, windows, maskWindows, square]);
  });

  it('losses and the minibatch-stddev layer', async () => {
    const D = new MatDiscriminator(MICRO, { rng: new Rng(3) });
    const { images, masks } = batch(4, 32, 32);
    const pcp = new PerceptualLoss({ features: (t) => ({ conv4_4: tf.clone(t), conv5_4: tf.mul(t, 2) }) });
    await expectNoLeaks(() => {
      const real = D.forward(images, masks, images);
      free(generatorAdversarialLoss(real), discriminatorLoss(real, real), real.logits, real.logitsStg1);
      free(r1Penalty(D, images, masks), pcp.forward(images, images), new MinibatchStdLayer(4, 1).forward(images));
    }, 0);
    D.dispose();
    tf.dispose([images, masks]);
  });

  it('the first stage and the synthesis network with intermediates', async () => {
    const G = new MatGenerator(MICRO, { rng: new Rng(4) });
    const { images, masks } = batch(1, 32, 32);
    const ws = tf.ones([1, 4, 16]) as tf.Tensor3D;
    await expectNoLeaks(() => {
      const o = G.synthesis.firstStage.forwardWithIntermediates(images, masks, ws, { rng: new Rng(5) });
      free(o.img, ...Object.values(o.intermediates), G.synthesis.firstStage.forward(images, masks, ws, { rng: new Rng(5) }));
    }, 0);
    G.dispose();
    tf.dispose([images, masks, ws]);
  });
});
