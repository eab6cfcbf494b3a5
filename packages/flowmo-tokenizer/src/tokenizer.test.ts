import { ConfigError, ShapeError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { TINY, smoothImages } from './__fixtures__/tiny.js';
import { FlowmoCodes } from './codes.js';
import { FlowmoTokenizer } from './tokenizer.js';

describe('FlowmoTokenizer', () => {
  it('encodes to codes, decodes and reconstructs images of the right shape and range', async () => {
    const model = new FlowmoTokenizer(TINY).eval();
    const images = smoothImages(2, 16, 1);
    const codes = await expectNoLeaks(() => model.encode(images));
    expect([codes.batch, codes.codeLength, codes.channels]).toEqual([2, 4, 4]);
    expect(codes.quantizer).toBe('lfq');
    const out = await expectNoLeaks(() => model.decode(codes, { steps: 3, seed: 7 }), 1);
    expect(out.shape).toEqual([2, 16, 16, 3]);
    expect(tf.max(tf.abs(out)).dataSync()[0]).toBeLessThanOrEqual(1);
    const again = model.decode(FlowmoCodes.fromBytes(codes.toBytes()), { steps: 3, seed: 7 });
    expect(tf.max(tf.abs(tf.sub(out, again))).dataSync()[0]).toBe(0);
    const rec = await expectNoLeaks(() => model.reconstruct(images, { steps: 3, seed: 7 }), 1);
    // reconstruct = decode(encode(x)) with the same noise.
    expect(tf.max(tf.abs(tf.sub(out, rec))).dataSync()[0]).toBeLessThan(1e-6);
    expect(model.bitsPerPixel()).toBeCloseTo((4 * 4) / 256, 12);
    tf.dispose([images, out, again, rec]);
    model.dispose();
  });

  it('frees every intermediate in its tensor-returning calls', async () => {
    const model = new FlowmoTokenizer(TINY);
    const images = smoothImages(2, 16, 2);
    const latent = await expectNoLeaks(() => model.encodeLatent(images), 1);
    const q = await expectNoLeaks(() => model.quantize(latent, { losses: true }), 6);
    const code = await expectNoLeaks(() => model.decoderCode(q.quantized, tf.tensor1d([1, 0])), 2);
    const t = tf.tensor1d([0.2, 0.9]);
    const v = await expectNoLeaks(() => model.velocity(images, code, t), 1);
    const s = await expectNoLeaks(() => model.sample(q.quantized, { steps: 2, keepChain: true, cfg: 2, cfgInterval: null }), 3);
    expect(s.cfgApplied).toEqual([true, true]);
    tf.dispose([images, latent, q.quantized, q.loss, ...Object.values(q.breakdown!), code, t, v, s.image, ...s.chain]);
    model.dispose();
  });

  it('takes the presence flag from the decoder code and zeroes dropped samples', () => {
    const model = new FlowmoTokenizer(TINY);
    const q = tf.tensor3d(Array.from({ length: 32 }, (_, i) => (i % 3 === 0 ? 1 : -1)), [2, 4, 4]);
    const code = model.decoderCode(q, tf.tensor1d([1, 0]));
    expect(code.shape).toEqual([2, 4, 5]);
    const [keep, drop] = tf.unstack(code).map((t) => Array.from(t.dataSync()));
    expect(keep!.filter((_, i) => i % 5 === 4)).toEqual([1, 1, 1, 1]);
    expect(drop!.every((v) => v === 0)).toBe(true);
    tf.dispose([q, code]);
    model.dispose();
  });

  it('rejects wrong image sizes, out-of-range values, mismatched codes and noise with clear errors', () => {
    const model = new FlowmoTokenizer(TINY);
    const small = tf.zeros([1, 8, 8, 3]);
    const nchw = tf.zeros([1, 3, 16, 16]);
    const bright = tf.fill([1, 16, 16, 3], 2);
    expect(() => model.encode(small)).toThrow(ShapeError);
    expect(() => model.encode(small)).toThrow('expected images [B, 16, 16, 3] (NHWC');
    expect(() => model.reconstruct(nchw)).toThrow(/got \[1, 3, 16, 16\]/);
    expect(() => model.encode(bright)).toThrow(/scaled to \[-1, 1\].*\[2, 2\]/);
    const wrong = new FlowmoCodes('lfq', 1, 8, [2, 2, 2, 2], new Uint8Array(32));
    expect(() => model.decode(wrong)).toThrow(/codes are lfq \[1, 8, 4\], this tokenizer decodes lfq \[B, 4, 4\]/);
    const codes = new FlowmoCodes('lfq', 1, 4, [2, 2, 2, 2], new Uint8Array(16));
    expect(() => model.decode(codes, { noise: small })).toThrow(/noise must be \[1, 16, 16, 3\]/);
    expect(() => model.decode(codes, { steps: 0 })).toThrow(ConfigError);
    expect(() => model.decode(codes, { stpes: 3 } as never)).toThrow(/stpes/);
    expect(() => new FlowmoTokenizer({ ...TINY, imageSize: 18 })).toThrow(/multiple of patchSize/);
    expect(() => new FlowmoTokenizer({ ...TINY, codeLenght: 3 } as never)).toThrow(/codeLenght/);
    tf.dispose([small, nchw, bright]);
    model.dispose();
  });

  it('round-trips its state dict under the official names, and supports FSQ codes', () => {
    const a = new FlowmoTokenizer(TINY);
    const names = Object.keys(a.stateDict());
    expect(names).toContain('encoder.double_blocks.0.img_attn.norm.query_norm.scale');
    expect(names).toContain('decoder.final_layer_img.adaLN_modulation.1.weight');
    expect(names.some((n) => n.includes('rope') || n.includes('codebook'))).toBe(false);
    const fsq = new FlowmoTokenizer({ ...TINY, quantizer: 'fsq', fsqLevels: [8, 5, 5, 3] }).eval();
    const images = smoothImages(1, 16, 3);
    const codes = fsq.encode(images);
    expect(codes.quantizer).toBe('fsq');
    expect(fsq.bitsPerPixel()).toBeCloseTo((4 * Math.log2(600)) / 256, 12);
    expect(codes.fsqIndices().every((i) => i >= 0 && i < 600)).toBe(true);
    const img = fsq.decode(FlowmoCodes.fromBytes(codes.toBytes()), { steps: 2 });
    expect(() => a.decode(codes)).toThrow(/codes are fsq/);
    tf.dispose([images, img]);
    a.dispose();
    fsq.dispose();
  });
});
