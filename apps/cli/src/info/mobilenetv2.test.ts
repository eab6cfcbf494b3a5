import { tf } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { mobilenetv2Info } from './mobilenetv2.js';

describe('mobilenetv2 info provider', () => {
  it('lists the six width presets', () => {
    expect(mobilenetv2Info.names()).toEqual(['mobilenet_v2_0.35', 'mobilenet_v2_0.5', 'mobilenet_v2_0.75', 'mobilenet_v2_1.0', 'mobilenet_v2_1.3', 'mobilenet_v2_1.4']);
  });

  it('reports torchvision’s parameter count and the paper’s ~300M multiply-adds for 1.0 @ 224, leak-free', async () => {
    const before = tf.memory().numTensors;
    expect(await mobilenetv2Info.info('mobilenet_v2_1.0', 224)).toEqual({ name: 'mobilenet_v2_1.0', family: 'mobilenetv2', inputSize: 224, params: 3_504_872, macs: 300_774_272 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('follows the resolution multiplier and defaults to 224', async () => {
    expect((await mobilenetv2Info.info('mobilenet_v2_0.35', 96)).macs).toBe(11_934_128);
    expect((await mobilenetv2Info.info('mobilenet_v2_0.5')).macs).toBe(97_131_840);
  });

  it('explains sizes below the network stride and unknown names', async () => {
    await expect(mobilenetv2Info.info('mobilenet_v2_1.0', 16)).rejects.toThrow(/16×16 is smaller than the network's total stride 32/);
    await expect(mobilenetv2Info.info('mobilenet_v2_9.9')).rejects.toThrow(/unknown MobileNetV2 preset/);
  });
});
