import { ConfigError, Rng, ShapeError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { MobileNetV2, createMobileNetV2 } from './mobilenetv2.js';
import { MOBILENETV2_PRESETS } from './presets.js';
import type { MobileNetV2PresetName } from './presets.js';

const rng = () => new Rng(0);

/** Build, run `fn`, dispose, and check nothing (weights included) is left behind. */
async function withModel(config: ConstructorParameters<typeof MobileNetV2>[0], fn: (m: MobileNetV2) => void | Promise<void>): Promise<void> {
  await expectNoLeaks(async () => {
    const m = new MobileNetV2(config, { rng: rng() });
    try {
      await fn(m);
    } finally {
      m.dispose();
    }
  });
}

describe('parameter counts equal torchvision 0.14', () => {
  it.each(Object.entries(MOBILENETV2_PRESETS))('%s at 1000 classes', async (_, preset) => {
    await withModel(preset.config, (m) => expect(m.numParameters()).toBe(preset.params));
  });

  it.each([
    [0.35, 408_938],
    [0.5, 700_490],
    [1.0, 2_236_682],
  ])('width %s at 10 classes: %i', async (widthMult, params) => {
    await withModel({ widthMult, numClasses: 10 }, (m) => expect(m.numParameters()).toBe(params));
  });

  it('other widths, custom settings and round_nearest as torchvision (scripts/torchvision_reference.py)', async () => {
    await withModel({ widthMult: 0.6, numClasses: 7 }, (m) => expect(m.numParameters()).toBe(944_967));
    await withModel({ widthMult: 1, roundNearest: 1, numClasses: 5 }, (m) => expect(m.numParameters()).toBe(2_230_277));
    const tie = { widthMult: 0.47, roundNearest: 1, numClasses: 4, invertedResidualSetting: [[1.5, 16, 1, 1], [2.5, 24, 2, 2], [3, 40, 2, 2], [4, 80, 1, 1]] as const };
    await withModel(tie, (m) => {
      expect(m.numParameters()).toBe(69_029);
      const sd = m.stateDict();
      expect(Object.keys(sd)).toHaveLength(122);
      tf.dispose(Object.values(sd));
    });
  });

  it('inChans changes only the stem weight', async () => {
    await withModel({ inChans: 1, numClasses: 10 }, (m) => expect(m.numParameters()).toBe(2_236_682 - 2 * 32 * 9));
  });
});

describe('torchvision state dict', () => {
  it('has torchvision names, order and PyTorch shapes', async () => {
    await withModel({ widthMult: 0.5, numClasses: 10 }, (m) => {
      const sd = m.stateDict();
      const shapes = Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, v.shape]));
      expect(Object.keys(sd)).toHaveLength(314);
      expect(shapes['features.0.0.weight']).toEqual([16, 3, 3, 3]);
      expect(shapes['features.0.1.num_batches_tracked']).toEqual([]);
      expect(shapes['features.1.conv.0.0.weight']).toEqual([16, 1, 3, 3]); // t = 1: depthwise first
      expect(shapes['features.1.conv.1.weight']).toEqual([8, 16, 1, 1]);
      expect(shapes['features.1.conv.2.running_var']).toEqual([8]);
      expect(shapes['features.2.conv.0.0.weight']).toEqual([48, 8, 1, 1]);
      expect(shapes['features.2.conv.1.0.weight']).toEqual([48, 1, 3, 3]);
      expect(shapes['features.2.conv.2.weight']).toEqual([16, 48, 1, 1]);
      expect(shapes['features.2.conv.3.bias']).toEqual([16]);
      expect(shapes['features.18.0.weight']).toEqual([1280, 160, 1, 1]);
      expect(shapes['classifier.1.weight']).toEqual([10, 1280]);
      expect(Object.keys(sd).some((k) => k.startsWith('classifier.0'))).toBe(false);
      expect(sd['features.5.conv.1.1.num_batches_tracked']!.dtype).toBe('int32');
      tf.dispose(Object.values(sd));
    });
  });

  it('initialises as torchvision: conv kaiming-normal fan_out, BN 1/0, classifier N(0, 0.01) with zero bias', async () => {
    await withModel({ widthMult: 1 }, (m) => {
      const std = (name: string) => {
        const v = m.namedParameters().find(([n]) => n === name)![1].variable;
        return tf.tidy(() => Math.sqrt(tf.moments(v).variance.dataSync()[0]!));
      };
      expect(std('features.18.0.weight')).toBeCloseTo(Math.sqrt(2 / 1280), 3);
      expect(std('features.17.conv.1.0.weight')).toBeCloseTo(Math.sqrt(2 / (960 * 9)), 3);
      expect(std('classifier.1.weight')).toBeCloseTo(0.01, 3);
      const sd = m.stateDict();
      expect(Array.from(sd['classifier.1.bias']!.dataSync()).every((v) => v === 0)).toBe(true);
      expect(Array.from(sd['features.3.conv.3.weight']!.dataSync()).every((v) => v === 1)).toBe(true);
      tf.dispose(Object.values(sd));
    });
  });
});

describe('shapes', () => {
  it.each([
    // [config, input NHWC, features NHWC]
    [{ widthMult: 0.35, numClasses: 10 }, [2, 32, 32, 3], [2, 1, 1, 1280]],
    [{ widthMult: 0.5, numClasses: 10 }, [1, 33, 33, 3], [1, 2, 2, 1280]],
    [{ widthMult: 0.75, numClasses: 10 }, [1, 96, 128, 3], [1, 3, 4, 1280]],
    [{ widthMult: 1.4, numClasses: 10 }, [1, 64, 64, 3], [1, 2, 2, 1792]],
    [{ widthMult: 1, numClasses: 1000 }, [1, 224, 224, 3], [1, 7, 7, 1280]],
    [{ widthMult: 0.5, numClasses: 10, inChans: 1, stemStride: 1 }, [2, 28, 28, 1], [2, 2, 2, 1280]],
  ] as const)('%j: %j → %j', async (config, input, feats) => {
    await withModel(config, async (m) => {
      m.eval();
      const x = tf.randomNormal([...input]);
      const f = m.forwardFeatures(x);
      expect(f.shape).toEqual(feats);
      const logits = m.forward(x);
      expect(logits.shape).toEqual([input[0], m.config.numClasses]);
      const pooled = m.forwardHead(f, { preLogits: true });
      expect(pooled.shape).toEqual([input[0], feats[3]]);
      // Each public forward is leak-free on its own.
      await expectNoLeaks(() => m.forward(x).dispose());
      await expectNoLeaks(() => m.forwardFeatures(x).dispose());
      await expectNoLeaks(() => m.forwardHead(f).dispose());
      tf.dispose([x, f, logits, pooled]);
    });
  });

  it('forwardPyramid returns NHWC maps at strides 4/8/16/32 and matches forwardFeatures’ trunk', async () => {
    await withModel({ widthMult: 0.5, numClasses: 10 }, async (m) => {
      m.eval();
      const x = tf.randomNormal([2, 64, 64, 3]);
      const levels = await expectNoLeaks(() => m.forwardPyramid(x), 4);
      expect(levels.map((l) => [l.module, l.stride, l.map.shape])).toEqual([
        ['features.3', 4, [2, 16, 16, 16]],
        ['features.6', 8, [2, 8, 8, 16]],
        ['features.13', 16, [2, 4, 4, 48]],
        ['features.17', 32, [2, 2, 2, 160]],
      ]);
      // The deepest level feeds the last 1×1 conv: running it reproduces forwardFeatures.
      const viaPyramid = m.features.at(18).forward(levels[3]!.map);
      const direct = m.forwardFeatures(x);
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(viaPyramid, direct))).dataSync()[0])).toBe(0);
      tf.dispose([x, viaPyramid, direct, ...levels.map((l) => l.map)]);
    });
  });

  it.each([
    [16, [4, 4], [[4, 16], [8, 8], [16, 4], [16, 4]]],
    [8, [8, 8], [[4, 16], [8, 8], [8, 8], [8, 8]]],
  ] as const)('output stride %i: features and pyramid keep that stride (dilated convs)', async (outputStride, hw, pyramid) => {
    await withModel({ widthMult: 0.35, numClasses: 10, outputStride }, async (m) => {
      m.eval();
      expect(m.featureStride).toBe(outputStride);
      const x = tf.randomNormal([1, 64, 64, 3]);
      const f = m.forwardFeatures(x);
      expect(f.shape).toEqual([1, ...hw, 1280]);
      const levels = m.forwardPyramid(x);
      expect(levels.map((l) => [l.stride, l.map.shape[1]])).toEqual(pyramid);
      tf.dispose([x, f, ...levels.map((l) => l.map)]);
    });
  });
});

describe('bad input', () => {
  it('rejects images smaller than the total stride, wrong channels and NCHW, naming the fix', async () => {
    await withModel({ widthMult: 0.35, numClasses: 10 }, (m) => {
      const small = tf.zeros([1, 31, 40, 3]);
      expect(() => m.forward(small)).toThrow(ShapeError);
      expect(() => m.forward(small)).toThrow(/31×40 is smaller than the network's total stride 32.*stemStride: 1 \(minimum 16\)/);
      const gray = tf.zeros([1, 32, 32, 1]);
      expect(() => m.forwardFeatures(gray)).toThrow(/expected NHWC images \[B, H, W, 3\], got \[1, 32, 32, 1\]/);
      const nchw = tf.zeros([1, 3, 32, 32]);
      expect(() => m.forwardPyramid(nchw)).toThrow(/NCHW\? convert with nchwToNhwc/);
      const feats = tf.zeros([1, 1, 1, 320]);
      expect(() => m.forwardHead(feats)).toThrow(/expected features \[B, h, w, 1280\]/);
      tf.dispose([small, gray, nchw, feats]);
    });
  });

  it('rejects unknown and invalid config keys, listing each', () => {
    expect(() => new MobileNetV2({ width: 0.5 } as never)).toThrow(ConfigError);
    expect(() => new MobileNetV2({ width: 0.5 } as never)).toThrow(/width/);
    expect(() => new MobileNetV2({ widthMult: -1, outputStride: 4 } as never)).toThrow(/widthMult[\s\S]*outputStride/);
    expect(() => new MobileNetV2({ invertedResidualSetting: [[6, 24, 2, 3]] } as never)).toThrow(/invertedResidualSetting\.0\.3/);
    expect(() => new MobileNetV2({ invertedResidualSetting: [[6, 24, 2]] } as never)).toThrow(ConfigError);
  });
});

describe('createMobileNetV2', () => {
  it('builds a preset with overrides and refuses unknown names', async () => {
    await expectNoLeaks(() => {
      const m = createMobileNetV2('mobilenet_v2_0.35', { numClasses: 10 }, { rng: rng() });
      expect(m.numParameters()).toBe(408_938);
      m.dispose();
    });
    expect(() => createMobileNetV2('mobilenet_v2_2.0' as MobileNetV2PresetName)).toThrow(/unknown MobileNetV2 preset 'mobilenet_v2_2.0'; known: mobilenet_v2_0.35, /);
  });
});
