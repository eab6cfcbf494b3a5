import { ShapeError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { LayerNorm } from './layernorm.js';
import { PatchEmbed } from './patch-embed.js';
import { close, load, loadFixture, nhwc, tensor } from './__fixtures__/reference.js';
import type { Encoded } from './__fixtures__/reference.js';

// Reference values: tooling/reference/layers_reference.py (timm.layers.PatchEmbed img 8, patch 4,
// 3 → 5 channels; y_dynamic with strict_img_size=False on a 12×8 image).
const fx = loadFixture<{
  config: { img: number; patch: number; in: number; embed: number };
  state_dict: Record<string, Encoded>;
  x: Encoded;
  y: Encoded;
  x_dynamic: Encoded;
  y_dynamic: Encoded;
}>('patch_embed.json');

function build(strictImgSize = true): PatchEmbed {
  const { img, patch, embed } = fx.config;
  const pe = new PatchEmbed({ imgSize: img, patchSize: patch, inChans: fx.config.in, embedDim: embed, strictImgSize });
  load(pe, fx.state_dict);
  return pe;
}

describe('PatchEmbed', () => {
  it('matches timm: row-major tokens [B, N, D] from an NHWC image, no leaks', async () => {
    const pe = build();
    expect(pe.gridSize).toEqual([2, 2]);
    expect(pe.numPatches).toBe(4);
    const x = nhwc(fx.x);
    const y = pe.forward(x);
    expect(y.shape).toEqual([2, 4, 5]);
    close(y, fx.y, 1e-5, 'patch_embed y');
    await expectNoLeaks(() => pe.forward(x).dispose());
    tf.dispose([x, y]);
    pe.dispose();
  });

  it('matches timm on another image size when not strict (dynamic size), and can return the NHWC grid', () => {
    const pe = build(false);
    const x = nhwc(fx.x_dynamic);
    const y = pe.forward(x);
    expect(y.shape).toEqual([1, 6, 5]);
    close(y, fx.y_dynamic, 1e-5, 'patch_embed dynamic 12x8');
    const grid = new PatchEmbed({ imgSize: 8, patchSize: 4, inChans: 3, embedDim: 5, flatten: false, strictImgSize: false });
    load(grid, fx.state_dict);
    const g = grid.forward(x);
    expect(g.shape).toEqual([1, 3, 2, 5]);
    tf.tidy(() => {
      close(tf.reshape(g, [1, 6, 5]), tensor(fx.y_dynamic), 1e-5, 'patch_embed grid');
    });
    tf.dispose([x, y, g]);
    pe.dispose();
    grid.dispose();
  });

  it('pads to whole patches with dynamicImgPad and applies the optional norm', () => {
    const pe = new PatchEmbed({ imgSize: 8, patchSize: 4, inChans: 3, embedDim: 6, dynamicImgPad: true, strictImgSize: false, normLayer: (d) => new LayerNorm(d) });
    expect(pe.namedParameters().map(([name]) => name)).toEqual(['proj.weight', 'proj.bias', 'norm.weight', 'norm.bias']);
    const x = tf.randomNormal([2, 9, 6, 3]);
    expect(pe.dynamicFeatSize(9, 6)).toEqual([3, 2]);
    const y = pe.forward(x);
    expect(y.shape).toEqual([2, 6, 6]);
    tf.dispose([x, y]);
    pe.dispose();
  });

  it('has timm names and rejects bad sizes with a clear ShapeError', () => {
    const pe = build();
    const sd = pe.stateDict();
    expect(Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, v.shape]))).toEqual({ 'proj.weight': [5, 3, 4, 4], 'proj.bias': [5] });
    const wrong = tf.zeros([1, 12, 8, 3]);
    const nchw = tf.zeros([1, 3, 8, 8]);
    const odd = tf.zeros([1, 10, 8, 3]);
    expect(() => pe.forward(wrong)).toThrow(ShapeError);
    expect(() => pe.forward(wrong)).toThrow("PatchEmbed: input height (12) doesn't match model (8) (input [1, 12, 8, 3], NHWC)");
    expect(() => pe.forward(nchw)).toThrow('PatchEmbed: expected input [B, H, W, 3] (NHWC), got [1, 3, 8, 8]');
    const loose = build(false);
    expect(() => loose.forward(odd)).toThrow('PatchEmbed: input height (10) should be divisible by patch size (4)');
    tf.dispose([wrong, nchw, odd, ...Object.values(sd)]);
    pe.dispose();
    loose.dispose();
  });
});
