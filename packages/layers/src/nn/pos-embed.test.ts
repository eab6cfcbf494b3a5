import { existsSync, readFileSync } from 'node:fs';
import { Rng, ShapeError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { interpolate } from './interpolate.js';
import type { InterpolationMode } from './interpolate.js';
import { initPosEmbed, resamplePosEmbed, sincos2dPosEmbed } from './pos-embed.js';
import { close, loadFixture, nhwc, tensor } from './__fixtures__/reference.js';
import type { Encoded } from './__fixtures__/reference.js';

// Reference values: tooling/reference/layers_reference.py (MAE util/pos_embed.py
// get_2d_sincos_pos_embed, torch F.interpolate, timm resample_abs_pos_embed).
const fx = loadFixture<{
  sincos: { dim: number; grid: number; cls_token: boolean; y: Encoded }[];
  interpolate: { name: string; mode: InterpolationMode; antialias: boolean; x: Encoded; size: [number, number]; y: Encoded }[];
  resample_abs_pos_embed: { x: Encoded; old_size: [number, number]; new_size: [number, number]; num_prefix_tokens: number; y: Encoded };
}>('pos_embed.json');

describe('sincos2dPosEmbed', () => {
  it.each(fx.sincos.map((c) => [`dim ${c.dim} grid ${c.grid} cls ${c.cls_token}`, c] as const))('matches MAE: %s', (_, c) => {
    const y = sincos2dPosEmbed(c.dim, c.grid, { clsToken: c.cls_token });
    close(y, c.y, 1e-6, `sincos ${c.dim}/${c.grid}/${c.cls_token}`);
    y.dispose();
  });

  const mae = '/work/shared/fixtures/mae/tiny_normpix/weights.safetensors';
  it.skipIf(!existsSync(mae))('reproduces the fixed pos_embed / decoder_pos_embed of the shared MAE fixture', () => {
    const weights = readF32Safetensors(mae);
    for (const [name, dim] of [['pos_embed', 48], ['decoder_pos_embed', 32]] as const) {
      const y = sincos2dPosEmbed(dim, 4, { clsToken: true });
      const want = tf.squeeze(weights[name]!, [0]);
      close(y, want, 1e-6, `MAE fixture ${name}`);
      tf.dispose([y, want]);
    }
    tf.dispose(Object.values(weights));
  });

  it('rejects dims that are not a multiple of 4', () => {
    expect(() => sincos2dPosEmbed(6, 2)).toThrow(/multiple of 4/);
  });
});

describe('interpolate', () => {
  it.each(fx.interpolate.map((c) => [c.name, c] as const))('matches torch F.interpolate: %s', async (_, c) => {
    const x = nhwc(c.x);
    const y = interpolate(x, c.size, { mode: c.mode, antialias: c.antialias });
    const want = nhwc(c.y);
    close(y, want, 1e-5, `interpolate ${c.name}`);
    await expectNoLeaks(() => interpolate(x, c.size, { mode: c.mode, antialias: c.antialias }).dispose());
    tf.dispose([x, y, want]);
  });

  it('is differentiable: every output row of weights sums to 1, so sum(dx) = sum(dy)', () => {
    const x = tf.randomNormal([2, 5, 3, 2]);
    const dx = tf.grad((xx: tf.Tensor) => tf.sum(interpolate(xx, [7, 2], { mode: 'bicubic', antialias: true })))(x);
    expect(dx.shape).toEqual([2, 5, 3, 2]);
    expect(tf.sum(dx).dataSync()[0]).toBeCloseTo(2 * 7 * 2 * 2, 4);
    tf.dispose([x, dx]);
  });
});

describe('resamplePosEmbed', () => {
  it('matches timm resample_abs_pos_embed with prefix tokens and a non-square grid', async () => {
    const c = fx.resample_abs_pos_embed;
    const x = tensor(c.x);
    const y = resamplePosEmbed(x, c.new_size, { oldSize: c.old_size, numPrefixTokens: c.num_prefix_tokens });
    close(y, c.y, 1e-5, 'resample_abs_pos_embed 3x4 -> 5x3');
    await expectNoLeaks(() => resamplePosEmbed(x, c.new_size, { oldSize: c.old_size, numPrefixTokens: c.num_prefix_tokens }).dispose());
    tf.dispose([x, y]);
  });

  // The shared ViT parity fixture, when this checkout has it (read with a throwaway parser; the
  // package's safetensors reader lives in tensor-core).
  const vit = '/work/shared/fixtures/vit/dynamic_size_32_to_48';
  it.skipIf(!existsSync(vit))('reproduces the ViT fixture pos_embed_resampled (4×4 → 6×6, bicubic antialias)', () => {
    const weights = readF32Safetensors(`${vit}/weights.safetensors`);
    const io = readF32Safetensors(`${vit}/io.safetensors`);
    const posEmbed = weights['pos_embed']!;
    const y = resamplePosEmbed(posEmbed, 6, { oldSize: 4, numPrefixTokens: 1 });
    close(y, io['pos_embed_resampled']!, 1e-5, 'ViT fixture pos_embed_resampled');
    const plain = resamplePosEmbed(posEmbed, 6, { oldSize: 4, antialias: false });
    close(plain, io['pos_embed_resampled_bicubic_noantialias']!, 1e-5, 'ViT fixture bicubic no antialias');
    tf.dispose([y, plain, ...Object.values(weights), ...Object.values(io)]);
  });

  it('accepts an NHWC grid, infers square grids and reports bad token counts', () => {
    const grid = tf.randomNormal([1, 3, 3, 4]);
    const tokens = tf.randomNormal([1, 10, 4]);
    const [fromGrid, fromTokens] = [resamplePosEmbed(grid, [5, 2]), resamplePosEmbed(tokens, 4)];
    expect(fromGrid.shape).toEqual([1, 5, 2, 4]);
    expect(fromTokens.shape).toEqual([1, 17, 4]);
    expect(() => resamplePosEmbed(tokens, 4, { numPrefixTokens: 0 })).toThrow(ShapeError);
    expect(() => resamplePosEmbed(tokens, 4, { oldSize: [2, 4] })).toThrow('resamplePosEmbed: 10 tokens do not hold 1 prefix tokens plus a 2×4 grid (input [1, 10, 4])');
    expect(() => interpolate(tokens, 4)).toThrow('interpolate: expected input [B, H, W, C] (NHWC), got [1, 10, 4]');
    tf.dispose([grid, tokens, fromGrid, fromTokens]);
  });
});

describe('initPosEmbed', () => {
  it('draws N(0, 0.02) values [1, N, D] from the given generator', () => {
    const a = initPosEmbed(50, 40, { rng: new Rng(1) });
    const b = initPosEmbed(50, 40, { rng: new Rng(1) });
    expect(a.shape).toEqual([1, 50, 40]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    const std = Math.sqrt(tf.mean(tf.square(a)).dataSync()[0]!);
    expect(std).toBeGreaterThan(0.018);
    expect(std).toBeLessThan(0.022);
    tf.dispose([a, b]);
  });
});

/** Float32 tensors of a safetensors file (8-byte header length, JSON header, raw data); other dtypes skipped. */
function readF32Safetensors(path: string): Record<string, tf.Tensor> {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const out: Record<string, tf.Tensor> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__' || info.dtype !== 'F32') continue;
    const bytes = buf.subarray(8 + n + info.data_offsets[0], 8 + n + info.data_offsets[1]);
    out[name] = tf.tensor(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), info.shape);
  }
  return out;
}
