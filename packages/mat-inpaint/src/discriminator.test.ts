import { Rng, ShapeError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { MatDiscriminator, MinibatchStdLayer } from './discriminator.js';
import { MICRO, batch } from './__fixtures__/micro.js';

const D = new MatDiscriminator(MICRO, { rng: new Rng(2) });
const { images, masks } = batch(4, 32, 32);
afterAll(() => {
  D.dispose();
  tf.dispose([images, masks]);
});

describe('MatDiscriminator', () => {
  it('has the official layout: Dis/fc0/fc1 and the half-width Dis_stg1 twin', () => {
    const names = Object.keys(D.stateDict());
    expect(names).toContain('Dis.0.conv.weight'); // FromRGB on [mask − ½, image]: 4 input channels
    expect(names).toContain('Dis.1.skip.weight');
    expect(names).not.toContain('Dis.1.skip.bias');
    expect(names).toContain('Dis.5.weight'); // FromRGB, 3 ResNet blocks (32 → 4), mbstd (index 4, no params), conv
    expect(names).toContain('fc1_stg1.bias');
    const sd = D.stateDict();
    expect(sd['Dis.0.conv.weight']!.shape).toEqual([8, 4, 1, 1]);
    expect(sd['Dis_stg1.0.conv.weight']!.shape).toEqual([4, 4, 1, 1]);
    expect(sd['fc0.weight']!.shape).toEqual([16, 16 * 16]);
    tf.dispose(Object.values(sd));
  });

  it('returns one logit per image from each discriminator and leaks nothing', async () => {
    const d = D.forward(images, masks, images);
    expect(d.logits.shape).toEqual([4, 1]);
    expect(d.logitsStg1.shape).toEqual([4, 1]);
    tf.dispose([d.logits, d.logitsStg1]);
    await expectNoLeaks(() => {
      const r = D.forward(images, masks, images);
      tf.dispose([r.logits, r.logitsStg1]);
    });
  });

  it('rejects images of another size', () => {
    const small = batch(4, 16, 16);
    expect(() => D.forward(small.images, small.masks, small.images)).toThrow(/images must be \[4, 32, 32, 3\]/);
    tf.dispose([small.images, small.masks]);
  });
});

describe('MinibatchStdLayer', () => {
  it('appends the group stddev averaged over pixels and channels, groups strided as torch reshape(G, -1, …)', () => {
    const x = new Rng(1).normal([4, 2, 2, 3]) as tf.Tensor4D;
    const y = new MinibatchStdLayer(2, 1).forward(x);
    expect(y.shape).toEqual([4, 2, 2, 4]);
    const v = x.arraySync();
    // Group j = i mod 2 holds samples {j, j + 2}.
    const expected = [0, 1].map((j) => {
      let sum = 0;
      for (let h = 0; h < 2; h++) {
        for (let w = 0; w < 2; w++) {
          for (let c = 0; c < 3; c++) {
            const a = v[j]![h]![w]![c]!;
            const b = v[j + 2]![h]![w]![c]!;
            const m = (a + b) / 2;
            sum += Math.sqrt(((a - m) ** 2 + (b - m) ** 2) / 2 + 1e-8);
          }
        }
      }
      return sum / 12;
    });
    const out = y.arraySync();
    for (let i = 0; i < 4; i++) expect(out[i]![1]![0]![3]).toBeCloseTo(expected[i % 2]!, 5);
    tf.dispose([x, y]);
    const odd = tf.zeros([3, 2, 2, 3]) as tf.Tensor4D;
    expect(() => new MinibatchStdLayer(2, 1).forward(odd)).toThrow(ShapeError);
    odd.dispose();
  });
});
