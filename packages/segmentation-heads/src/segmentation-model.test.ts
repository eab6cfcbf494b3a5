import { AdamW, Conv2d, Module, trainStep } from '@patchwork/layers';
import { ConfigError, PatchworkError, Rng, ShapeError, nchwToNhwc, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backbone } from './backbone.js';
import { FCNHead } from './fcn-head.js';
import { SegmentationModel } from './segmentation-model.js';
import { UPerHead } from './uper-head.js';
import { errNchw, loadCase } from './__fixtures__/cases.js';

/** The reference case's backbone: conv3×3/2 (3→6) + ReLU, conv3×3/2 (6→8) + ReLU; levels at strides 2 and 4. */
class TinyConvs extends Module {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  constructor(rng = new Rng(0)) {
    super();
    this.conv1 = this.addModule('conv1', new Conv2d(3, 6, 3, { stride: 2, padding: 1, rng }));
    this.conv2 = this.addModule('conv2', new Conv2d(6, 8, 3, { stride: 2, padding: 1, rng }));
  }
}

function tinyBackbone(rng?: Rng): Backbone {
  const m = new TinyConvs(rng);
  return {
    module: m,
    levels: [
      { channels: 6, stride: 2 },
      { channels: 8, stride: 4 },
    ],
    forwardFeatures: (x) =>
      tf.tidy(() => {
        const a = tf.relu(m.conv1.forward(x));
        return [a, tf.relu(m.conv2.forward(a))];
      }),
  };
}

function tinyModel(rng = new Rng(0), aux = false): SegmentationModel {
  return new SegmentationModel({
    backbone: tinyBackbone(rng),
    decodeHead: new FCNHead({ inChannels: 8, channels: 6, numClasses: 4, inIndex: 1, numConvs: 1, concatInput: false }, { rng }),
    auxiliaryHead: aux ? new FCNHead({ inChannels: 6, channels: 4, numClasses: 4, inIndex: 0, numConvs: 1, concatInput: false, lossWeight: 0.4 }, { rng }) : undefined,
  });
}

describe('SegmentationModel: mmseg EncoderDecoder parity', () => {
  const c = loadCase('slide_inference');
  afterAll(() => c.dispose());

  it('whole-image and sliding-window (crop 12, stride 8 on 20×28) logits match within 1e-5, without leaks', async () => {
    const model = tinyModel();
    model.loadStateDict(c.weights);
    model.eval();
    const image = nchwToNhwc(c.io['image']!);
    const whole = model.inference(image);
    expect(errNchw(whole, c.io['whole_logits']!, 'whole inference')).toBeLessThan(1e-5);
    const slide = await expectNoLeaks(() => model.inference(image, { mode: 'slide', crop: 12, stride: 8 }), 1);
    expect(errNchw(slide, c.io['slide_logits']!, 'slide inference')).toBeLessThan(1e-5);
    const probs = tf.softmax(slide);
    expect(errNchw(probs, c.io['slide_probs']!, 'slide probabilities')).toBeLessThan(1e-5);
    const pred = await expectNoLeaks(() => model.predict(image, { mode: 'slide', crop: 12, stride: 8, outputSize: [10, 14] }), 1);
    expect(pred.shape).toEqual([2, 10, 14]);
    expect(pred.dtype).toBe('int32');
    tf.dispose([image, whole, slide, probs, pred]);
    model.dispose();
  });
});

describe('SegmentationModel', () => {
  it('uses the state-dict prefixes backbone / decode_head / auxiliary_head and checks the heads against the levels', () => {
    const model = tinyModel(new Rng(1), true);
    const prefixes = new Set(model.namedParameters().map(([k]) => k.split('.')[0]));
    expect([...prefixes]).toEqual(['backbone', 'decode_head', 'auxiliary_head']);
    model.dispose();
    const rng = new Rng(2);
    expect(
      () => new SegmentationModel({ backbone: tinyBackbone(rng), decodeHead: new FCNHead({ inChannels: 16, channels: 4, numClasses: 3, numConvs: 1 }) }),
    ).toThrow(/decode_head does not fit the backbone's feature levels:\n {2}- inIndex -1 expects 16 channels but that level has 8 \(stride 4\)/);
    expect(() => new SegmentationModel({ backbone: tinyBackbone(rng), decodeHead: new UPerHead({ inChannels: [6, 8, 8], channels: 4, numClasses: 3 }) })).toThrow(
      /inIndex 2 is out of range for 2 feature levels/,
    );
    expect(
      () =>
        new SegmentationModel({
          backbone: tinyBackbone(rng),
          decodeHead: new FCNHead({ inChannels: 8, channels: 4, numClasses: 3 }),
          auxiliaryHead: new FCNHead({ inChannels: 6, channels: 4, numClasses: 5, inIndex: 0 }),
        }),
    ).toThrow(ConfigError);
  });

  it('loss = decode CE + 0.4 × auxiliary CE on one backbone pass; rejects labels that do not match the images', async () => {
    // Eval mode: the heads' channel dropout would make two passes differ.
    const model = tinyModel(new Rng(3), true).eval();
    const images = tf.randomNormal([2, 16, 12, 3]);
    const labels = tf.tensor3d(Int32Array.from({ length: 2 * 16 * 12 }, (_, i) => (i % 7 === 0 ? 255 : i % 4)), [2, 16, 12], 'int32');
    const total = await expectNoLeaks(() => model.loss(images, labels), 1);
    const features = model.extractFeatures(images);
    const decode = model.decodeHead.loss(features, labels);
    const aux = model.auxiliaryHead!.loss(features, labels);
    expect(total.dataSync()[0]).toBeCloseTo(decode.dataSync()[0]! + aux.dataSync()[0]!, 5);
    const wrong = tf.zeros([2, 8, 6], 'int32');
    expect(() => model.loss(images, wrong)).toThrow(ShapeError);
    expect(() => model.loss(images, wrong)).toThrow(/labels \[2, 8, 6\] do not match images \[2, 16, 12, 3\]; expected \[2, 16, 12\]/);
    const unbatched = tf.zeros([16, 12, 3]);
    expect(() => model.forward(unbatched)).toThrow(/expected NHWC images/);
    expect(() => model.inference(images, { mode: 'slide' })).toThrow(PatchworkError);
    tf.dispose([images, labels, total, decode, aux, wrong, unbatched, ...features]);
    model.dispose();
  });

  it('trains: the loss on a fixed batch falls by half in 30 AdamW steps, and the training loop frees every tensor', () => {
    const model = tinyModel(new Rng(4), true);
    // Left half class 1, right half class 2, a few ignored pixels; the image says which half is which.
    const images = tf.tidy(() => tf.concat([tf.fill([4, 16, 8, 3], -1), tf.fill([4, 16, 8, 3], 1)], 2).add(tf.randomNormal([4, 16, 16, 3], 0, 0.3)));
    const labels = tf.tensor3d(Int32Array.from({ length: 4 * 16 * 16 }, (_, i) => (i % 31 === 0 ? 255 : i % 16 < 8 ? 1 : 2)), [4, 16, 16], 'int32');
    const optimizer = new AdamW(model, { lr: 1e-2, weightDecay: 0 });
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) losses.push(trainStep({ module: model, optimizer, lossFn: () => model.loss(images, labels) }));
    // Adam's two moments per parameter are the only tensors the loop may add.
    expect(tf.memory().numTensors - before).toBe(2 * model.parameters().length);
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]!);
    tf.dispose([images, labels]);
    optimizer.dispose();
    model.dispose();
  });
});
