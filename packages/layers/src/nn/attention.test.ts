import { ShapeError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { Attention } from './attention.js';
import { close, gradsOf, load, loadFixture, tensor } from './__fixtures__/reference.js';
import type { Encoded } from './__fixtures__/reference.js';

// Reference values: tooling/reference/layers_reference.py (timm.layers.Attention at the
// timm commit of the shared ViT fixtures, eval mode, explicit softmax path).
interface Ref {
  state_dict: Record<string, Encoded>;
  x: Encoded;
  y: Encoded;
  dy: Encoded;
  grads: Record<string, Encoded>;
}
interface AttnCase extends Ref {
  name: string;
  config: { dim: number; num_heads: number; qkv_bias: boolean; qk_norm?: boolean };
}
const attnFx = loadFixture<{ cases: AttnCase[] }>('attention.json');

function buildAttention(c: AttnCase): Attention {
  const attn = new Attention(c.config.dim, { numHeads: c.config.num_heads, qkvBias: c.config.qkv_bias, qkNorm: c.config.qk_norm ?? false });
  load(attn, c.state_dict);
  return attn.eval();
}

describe('Attention', () => {
  it.each(attnFx.cases.map((c) => [c.name, c] as const))('forward and gradients match timm: %s', async (_, c) => {
    const attn = buildAttention(c);
    const [x, dy] = [tensor(c.x), tensor(c.dy)];
    const { y, grads } = gradsOf(attn, (xx) => attn.forward(xx), x, dy);
    close(y, c.y, 1e-5, `attention ${c.name} y`);
    expect(Object.keys(grads).sort()).toEqual(Object.keys(c.grads).sort());
    for (const [name, want] of Object.entries(c.grads)) close(grads[name]!, want, 1e-5, `attention ${c.name} d${name}`);
    await expectNoLeaks(() => attn.forward(x).dispose());
    tf.dispose([x, dy, y, ...Object.values(grads)]);
    attn.dispose();
  });

  it('has timm state-dict names', () => {
    const attn = new Attention(8, { numHeads: 2, qkvBias: true });
    const normed = new Attention(8, { numHeads: 2, qkNorm: true });
    const sd = attn.stateDict();
    const sdn = normed.stateDict();
    expect(Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, v.shape]))).toEqual({
      'qkv.weight': [24, 8],
      'qkv.bias': [24],
      'proj.weight': [8, 8],
      'proj.bias': [8],
    });
    expect(Object.keys(sdn)).toEqual(['qkv.weight', 'q_norm.weight', 'q_norm.bias', 'k_norm.weight', 'k_norm.bias', 'proj.weight', 'proj.bias']);
    tf.dispose([...Object.values(sd), ...Object.values(sdn)]);
    attn.dispose();
    normed.dispose();
  });

  it('adds an attention mask to the logits (a causal mask hides later tokens)', () => {
    const attn = new Attention(4, { numHeads: 2 }).eval();
    const x = tf.randomNormal([1, 3, 4]);
    const causal = tf.tensor2d([[0, -1e9, -1e9], [0, 0, -1e9], [0, 0, 0]]);
    const full = attn.forward(x, causal);
    // Token 0 only sees itself, so changing the later tokens cannot change its output.
    const x2 = tf.concat([tf.slice(x, [0, 0, 0], [1, 1, 4]), tf.randomNormal([1, 2, 4])], 1);
    const other = attn.forward(x2, causal);
    tf.tidy(() => {
      close(tf.slice(other, [0, 0, 0], [1, 1, 4]), tf.slice(full, [0, 0, 0], [1, 1, 4]), 1e-6, 'causal row 0');
    });
    const bad = tf.zeros([2, 3]);
    expect(() => attn.forward(x, bad)).toThrow('Attention: attnMask [2, 3] does not broadcast to [1, 2, 3, 3]');
    tf.dispose([x, x2, causal, full, other, bad]);
    attn.dispose();
  });

  it('rejects bad input shapes with a ShapeError naming the module and shape', () => {
    const attn = new Attention(6, { numHeads: 3 });
    const bad = tf.zeros([2, 5, 4]);
    expect(() => attn.forward(bad)).toThrow(ShapeError);
    expect(() => attn.forward(bad)).toThrow('Attention: expected input [B, N, 6], got [2, 5, 4]');
    expect(() => new Attention(6, { numHeads: 4 })).toThrow(/divisible/);
    bad.dispose();
    attn.dispose();
  });
});
