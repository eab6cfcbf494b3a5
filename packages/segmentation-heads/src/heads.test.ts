import { ConfigError, ShapeError, nchwToNhwc, tf } from '@patchwork/tensor-core';
import { expectNoLeaks, maxAbsDiff } from '@patchwork/tensor-core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { ASPPHead, mobileDeepLabV3Head } from './aspp-head.js';
import { BNHead } from './bn-head.js';
import type { DecodeHead } from './decode-head.js';
import { FCNHead } from './fcn-head.js';
import { UPerHead } from './uper-head.js';
import { camelConfig, errNchw, gradients, inputs, loadCase, report } from './__fixtures__/cases.js';

// Reference: plain-PyTorch copies of mmseg's heads (reference/mmseg_modules.py) on seeded random
// weights; the weights load strictly, so every mmseg state-dict name is checked too.
const ATOL = 1e-4;

function buildHead(module: string, config: Record<string, unknown>): DecodeHead {
  switch (module) {
    case 'UPerHead':
      return new UPerHead(config as ConstructorParameters<typeof UPerHead>[0]);
    case 'FCNHead':
      return new FCNHead(config as ConstructorParameters<typeof FCNHead>[0]);
    case 'ASPPHead':
      return new ASPPHead(config as ConstructorParameters<typeof ASPPHead>[0]);
    case 'BNHead':
      return new BNHead(config as ConstructorParameters<typeof BNHead>[0]);
    default:
      throw new Error(`no head for ${module}`);
  }
}

describe.each(['uper_eval', 'uper_train_loss', 'fcn_aux_eval', 'fcn_concat_dilated_train', 'aspp_eval', 'mobile_deeplabv3_train', 'bn_head_eval'])(
  'mmseg parity: %s',
  (name) => {
    const c = loadCase(name);
    afterAll(() => c.dispose());
    const train = c.caseJson['mode'] === 'train';
    const lossCfg = c.caseJson['loss'] as { class_weight?: number[]; avg_non_ignore: boolean; loss_weight: number } | null;
    const build = (): DecodeHead => {
      const cfg = camelConfig(c);
      if (lossCfg !== null) Object.assign(cfg, { classWeight: lossCfg.class_weight, avgNonIgnore: lossCfg.avg_non_ignore, lossWeight: lossCfg.loss_weight });
      const head = buildHead(c.caseJson['module'] as string, cfg);
      head.loadStateDict(c.weights);
      return head.train(train);
    };

    it(`logits match within ${ATOL}${train ? ', and so do the updated BN statistics' : ''}; forward frees its temporaries`, async () => {
      const head = build();
      const xs = inputs(c);
      const logits = head.forward(xs);
      expect(errNchw(logits, c.io['logits']!, `${name} logits`)).toBeLessThan(ATOL);
      if (train) {
        const buffers = Object.fromEntries(head.namedBuffers());
        const updated = Object.keys(c.io).filter((k) => k.startsWith('updated.'));
        expect(updated.length).toBeGreaterThan(0);
        let worst = 0;
        for (const key of updated) worst = Math.max(worst, maxAbsDiff(buffers[key.slice('updated.'.length)]!.variable, c.io[key]!));
        expect(report(`${name} running stats`, worst)).toBeLessThan(ATOL);
      }
      head.eval();
      await expectNoLeaks(() => head.forward(xs).dispose());
      tf.dispose([logits, ...xs]);
      head.dispose();
    });

    if (c.io['loss'] !== undefined) {
      it(`loss and gradients (inputs and every parameter) match within ${ATOL}`, () => {
        const head = build();
        const xs = inputs(c);
        const dy = c.io['dy'] === undefined ? null : nchwToNhwc(c.io['dy']);
        const labels = c.io['labels'];
        const { loss, grads } = gradients(head, xs, (vs) =>
          labels !== undefined ? head.loss(vs, labels) : (tf.sum(tf.mul(head.forward(vs), dy!)) as tf.Scalar),
        );
        const want = c.io['loss']!.dataSync()[0]!;
        expect(report(`${name} loss`, Math.abs(loss - want))).toBeLessThan(ATOL * Math.max(1, Math.abs(want)));
        const names = Object.keys(c.io).filter((k) => k.startsWith('grad.'));
        expect(names.map((k) => k.slice('grad.'.length)).sort()).toEqual(Object.keys(grads).sort());
        let worst = 0;
        for (const key of names) worst = Math.max(worst, maxAbsDiff(grads[key.slice('grad.'.length)]!, c.io[key]!));
        expect(report(`${name} gradients`, worst)).toBeLessThan(ATOL);
        tf.dispose([...xs, ...Object.values(grads), ...(dy === null ? [] : [dy])]);
        head.dispose();
      });
    }
  },
);

describe('head construction', () => {
  it('mobileDeepLabV3Head is an ASPPHead with one 1×1 branch and a 1×1 projection', () => {
    const head = mobileDeepLabV3Head({ inChannels: 320, channels: 256, numClasses: 21 });
    expect(head).toBeInstanceOf(ASPPHead);
    expect(head.config.dilations).toEqual([1]);
    const shapes = Object.fromEntries(head.namedParameters().map(([k, p]) => [k, p.variable.shape]));
    expect(Object.keys(shapes)).toEqual([
      'conv_seg.weight', 'conv_seg.bias',
      'image_pool.1.conv.weight', 'image_pool.1.bn.weight', 'image_pool.1.bn.bias',
      'aspp_modules.0.conv.weight', 'aspp_modules.0.bn.weight', 'aspp_modules.0.bn.bias',
      'bottleneck.conv.weight', 'bottleneck.bn.weight', 'bottleneck.bn.bias',
    ]);
    expect(shapes['bottleneck.conv.weight']).toEqual([1, 1, 512, 256]); // HWIO
    head.dispose();
  });

  it('initialises as mmseg: conv_seg N(0, 0.01) with zero bias, ConvModule kaiming-normal (fan_out) without conv bias', () => {
    const head = new UPerHead({ inChannels: [16, 16], channels: 64, numClasses: 150 });
    const std = (v: tf.Variable): number => tf.tidy(() => tf.moments(v).variance.sqrt().dataSync()[0]!);
    expect(std(head.convSeg.weight)).toBeCloseTo(0.01, 2);
    expect(Math.max(...head.convSeg.bias!.dataSync().map(Math.abs))).toBe(0);
    expect(std(head.fpnBottleneck.conv.weight) / Math.sqrt(2 / (64 * 9))).toBeCloseTo(1, 1);
    expect(head.fpnBottleneck.conv.bias).toBeNull();
    head.dispose();
  });

  it('rejects unknown keys, mismatched lists, wrong class weights and a multi-map transform for one-map heads', () => {
    expect(() => new UPerHead({ inChannels: [8, 8], channels: 8, numClasses: 3, poolScale: [1] } as never)).toThrow(ConfigError);
    expect(() => new UPerHead({ inChannels: [8, 8], channels: 8, numClasses: 3, poolScale: [1] } as never)).toThrow(/Unrecognized key.*poolScale/);
    expect(() => new UPerHead({ inChannels: [8, 8, 8], inIndex: [0, 1], channels: 8, numClasses: 3 })).toThrow(/inIndex has 2 entries but inChannels has 3/);
    expect(() => new FCNHead({ inChannels: 8, channels: 4, numClasses: 3, classWeight: [1, 2] })).toThrow(/classWeight has 2 entries for numClasses 3/);
    expect(() => new FCNHead({ inChannels: [8, 4], channels: 4, numClasses: 3 })).toThrow(/must be single numbers/);
    expect(() => new ASPPHead({ inChannels: [8, 4], inIndex: [0, 1], inputTransform: 'multiple_select', channels: 4, numClasses: 3 })).toThrow(/takes one map/);
    expect(() => new BNHead({ inChannels: 8, channels: 4, numClasses: 3 })).toThrow(/must equal the input channels/);
    expect(() => new FCNHead({ inChannels: 8, channels: 4, numClasses: 3, numConvs: 0 })).toThrow(/with numConvs 0/);
  });

  it('names the map at fault when a feature has the wrong channels or the index is out of range', () => {
    const head = new FCNHead({ inChannels: 8, channels: 4, numClasses: 3, inIndex: 1, numConvs: 1, concatInput: false });
    const good = tf.zeros([1, 4, 4, 8]);
    const bad = tf.zeros([1, 4, 4, 6]);
    expect(() => head.forward([good, bad])).toThrow(ShapeError);
    expect(() => head.forward([good, bad])).toThrow(/feature map 1 should be \[B, h, w, 8\] \(NHWC\), got \[1, 4, 4, 6\]/);
    expect(() => head.forward([good])).toThrow(/inIndex 1 is out of range for 1 feature maps/);
    expect(() => head.checkLevels([{ channels: 8, stride: 4 }, { channels: 6, stride: 8 }])).toThrow(/inIndex 1 expects 8 channels but that level has 6/);
    const labels = tf.zeros([1, 4, 4], 'int32');
    expect(() => head.loss([good, good], tf.zeros([4, 4], 'int32'))).toThrow(/expected labels \[B, H, W\]/);
    tf.dispose([good, bad, labels]);
    head.dispose();
  });

  it('loss resizes the logits to the label size, and frees everything', async () => {
    const head = new FCNHead({ inChannels: 8, channels: 4, numClasses: 3, numConvs: 1, concatInput: false, inIndex: 0 });
    const x = tf.randomNormal([2, 4, 5, 8]);
    const labels = tf.tensor3d(Int32Array.from({ length: 2 * 16 * 20 }, (_, i) => i % 3), [2, 16, 20], 'int32');
    const loss = await expectNoLeaks(() => head.loss([x], labels), 1);
    expect(loss.dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([x, labels, loss]);
    head.dispose();
  });
});
