// Parity with the official kylesargent/FlowMo code on tooling/fixtures/flowmo/* (see the fixtures README).
import { nchwToNhwc, nhwcToNchw, tf } from '@patchwork/tensor-core';
import { assertAllClose, loadFixtureCase } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { FlowmoCodes } from './codes.js';
import { rfLoss } from './train/stage-1a.js';
import { fromFlowmoConfig, loadFlowmoCheckpoint } from './from-official.js';
import type { OfficialDitEntry } from './from-official.js';
import { LFQ } from './quantize/lfq.js';
import { FlowmoTokenizer } from './tokenizer.js';

describe('parity with official FlowMo (tiny_p8_img32)', () => {
  it('matches latents, codes, indices, velocity, losses and the 4-step sampling chain', () => {
    const c = loadFixtureCase('flowmo/tiny_p8_img32');
    const dit = c.caseJson['tiny_dit_zoo_entry'] as OfficialDitEntry;
    const { config, sampling } = fromFlowmoConfig(c.caseJson['config_overrides_on_base_yaml'] as Record<string, unknown>, { dit });
    const model = new FlowmoTokenizer(config).eval();
    loadFlowmoCheckpoint(model, c.weights);
    expect(model.numParameters()).toBe(c.caseJson['param_count']);
    const tol = c.caseJson.tolerance.max_abs;
    const errors: Record<string, number> = {};
    const check = (key: string, actual: tf.Tensor | ArrayLike<number>, scale = 1): void => {
      const expected = c.io[key]!;
      if (actual instanceof tf.Tensor) expect(actual.shape, key).toEqual(expected.shape);
      errors[key] = assertAllClose(actual, expected, { atol: tol * scale, label: key });
    };
    const io = (k: string): tf.Tensor => c.io[k]!;
    tf.tidy(() => {
      const img = nchwToNhwc(io('img'));
      const prequant = model.encodeLatent(img);
      check('code_prequant', prequant);
      const { quantized } = model.quantize(prequant, { losses: false });
      check('code_quantized', quantized, 0);
      check('lfq_indices', model.tokenIndices(FlowmoCodes.fromLfq(prequant)), 0);
      const codeInput = model.decoderCode(quantized);
      check('decoder_code_input', codeInput, 0);
      check('v_pred', nhwcToNchw(model.velocity(nchwToNhwc(io('x_t')), codeInput, io('t'))));

      const train = model.quantize(prequant, { losses: true });
      check('quantizer_loss_train', tf.reshape(train.loss, [1]));
      const lfq = train.breakdown!;
      check('lfq_per_sample_entropy', tf.reshape(lfq.perSampleEntropy, [1]));
      check('lfq_codebook_entropy', tf.reshape(lfq.codebookEntropy, [1]));
      check('lfq_entropy_aux_loss', tf.reshape(lfq.entropyAuxLoss, [1]));
      check('lfq_commitment', tf.reshape(lfq.commitment, [1]));

      const b = img.shape[0]!;
      const rf = rfLoss(model, { images: img, t: tf.fill([b], 0.3), z1: nchwToNhwc(io('z1_noise_for_rf_loss')) });
      check('rf_loss_diffusion', tf.reshape(rf.diffusion, [1]));
      check('rf_loss_total', tf.reshape(rf.total, [1]));

      const s = model.sample(quantized, { ...sampling, noise: nchwToNhwc(io('z0_sampling_noise')), keepChain: true });
      check('sample_ts', s.ts);
      check('sample_dts', s.dts);
      check('sample_cfg_applied', s.cfgApplied.map(Number), 0);
      check('sample_chain', tf.stack(s.chain.map((z) => nhwcToNchw(z))), 10);
      check('reconstruction', nhwcToNchw(s.image), 10);
    });
    expect(Object.keys(errors)).toHaveLength(Object.keys(c.io).length - ['img', 'x_t', 't', 'z1_noise_for_rf_loss', 'z0_sampling_noise'].length);
    if (process.env['PATCHWORK_PRINT_ERRORS'] === '1') console.log('tiny_p8_img32', JSON.stringify(errors));
    model.dispose();
    c.dispose();
  });
});

describe('parity with official LFQ (lfq_quantizer)', () => {
  it('matches quantized values, indices and the train-mode losses', () => {
    const c = loadFixtureCase('flowmo/lfq_quantizer');
    const ctor = c.caseJson.constructor as Record<string, number>;
    const lfq = new LFQ(Math.log2(ctor['codebook_size']!));
    const tol = c.caseJson.tolerance.max_abs;
    const errors: Record<string, number> = {};
    tf.tidy(() => {
      // The official LFQ takes [b, d, n]; ours is channels-last [b, n, d].
      const x = tf.transpose(c.io['x']!, [0, 2, 1]);
      const check = (key: string, actual: tf.Tensor, atol: number): void => {
        errors[key] = assertAllClose(actual, c.io[key]!, { atol, label: key });
      };
      check('quantized', tf.transpose(lfq.quantize(x), [0, 2, 1]), 0);
      check('indices', lfq.indices(x), 0);
      check('codebook', lfq.codebook, 0);
      const l = lfq.losses(x);
      check('per_sample_entropy', tf.reshape(l.perSampleEntropy, [1]), tol);
      check('codebook_entropy', tf.reshape(l.codebookEntropy, [1]), tol);
      check('entropy_aux_loss', tf.reshape(l.entropyAuxLoss, [1]), tol);
      check('commitment', tf.reshape(l.commitment, [1]), tol);
    });
    expect(Object.keys(errors)).toHaveLength(Object.keys(c.io).length - 1);
    if (process.env['PATCHWORK_PRINT_ERRORS'] === '1') console.log('lfq_quantizer', JSON.stringify(errors));
    lfq.dispose();
    c.dispose();
  });
});
