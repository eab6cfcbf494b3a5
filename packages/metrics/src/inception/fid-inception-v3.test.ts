import { tf } from '@patchwork/tensor-core';
import { assertAllClose, expectNoLeaks } from '@patchwork/tensor-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashWeights, nhwc, referenceJson, referenceTensors } from '../__fixtures__/reference.js';
import { FID_INCEPTION } from '../features.js';
import { FidInceptionV3 } from './fid-inception-v3.js';

// tooling/reference/metrics/inception_reference.py: the plain-PyTorch pytorch-fid network with
// deterministic hashed weights (regenerated here), its state-dict keys checked there against
// torchvision's Inception3(num_classes=1008, aux_logits=False).
const ref = referenceJson<{ state_dict: Record<string, number[]>; num_parameters: number }>('inception.json');

describe('FidInceptionV3', () => {
  let net: FidInceptionV3;
  let io: Record<string, tf.Tensor>;

  beforeAll(() => {
    net = new FidInceptionV3();
    io = referenceTensors('inception-io.safetensors');
  });
  afterAll(() => {
    net.dispose();
    tf.dispose(Object.values(io));
  });

  it("has pytorch-fid's (torchvision's) state-dict names and shapes", () => {
    const sd = net.stateDict();
    const ours = Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, t.shape]));
    tf.dispose(Object.values(sd));
    expect(ours).toEqual(ref.state_dict);
    expect(net.numParameters()).toBe(ref.num_parameters);
    expect(net.name).toBe('inception-v3-fid-untrained');
  });

  it('matches the PyTorch reference on all four blocks (75×75, no resize) and on pool3 after the 299 resize', async () => {
    const keys = Object.keys(ref.state_dict).sort();
    const weights = hashWeights(keys, ref.state_dict);
    // pt_inception carries the unused 1008-way classifier; it must be accepted and ignored.
    weights['fc.weight'] = tf.zeros([1008, 2048]);
    weights['fc.bias'] = tf.zeros([1008]);
    await expectNoLeaks(() => net.loadStateDict(weights));
    expect(net.name).toBe(FID_INCEPTION);
    const noResize = new FidInceptionV3({ resizeInput: false });
    noResize.loadStateDict(weights);
    tf.dispose(Object.values(weights));
    expect(noResize.name).toBe(`${FID_INCEPTION}-noresize`);

    const small = nhwc(io['small.input']!);
    const blocks = await expectNoLeaks(() => noResize.forwardBlocks(small), 4);
    blocks.forEach((b, i) => {
      const want = nhwc(io[`small.block${i}`]!);
      const scale = tf.tidy(() => want.abs().max().dataSync()[0]!);
      assertAllClose(b, want, { atol: 1e-4 * scale, rtol: 1e-4, label: `block ${i}` });
      want.dispose();
    });
    tf.dispose([...blocks, small]);
    noResize.dispose();

    const resized = nhwc(io['resize.input']!);
    const features = await expectNoLeaks(() => net.extract(resized), 1);
    expect(features.shape).toEqual([1, 2048]);
    const want = tf.reshape(io['resize.block3']!, [1, 2048]);
    assertAllClose(features, want, { atol: 1e-4 * 51.45, rtol: 1e-4, label: 'pool3 after resize' });
    tf.dispose([features, want, resized]);
  });

  it('rejects wrong inputs and incomplete checkpoints, and frees everything it made', async () => {
    const gray = tf.zeros([1, 80, 80, 1]) as tf.Tensor4D;
    expect(() => net.extract(gray)).toThrow(/expected NHWC images \[N, H, W, 3\], got \[1, 80, 80, 1\]/);
    gray.dispose();
    await expectNoLeaks(() => {
      const noResize = new FidInceptionV3({ resizeInput: false });
      const small = tf.zeros([1, 64, 80, 3]) as tf.Tensor4D;
      expect(() => noResize.extract(small)).toThrow(/at least 75×75, got 64×80/);
      small.dispose();
      const sd = noResize.stateDict();
      sd['Mixed_7c.branch_pool.conv.weight']!.dispose();
      delete sd['Mixed_7c.branch_pool.conv.weight'];
      sd['AuxLogits.fc.weight'] = tf.zeros([1]);
      expect(() => noResize.loadStateDict(sd)).toThrow(/missing key: Mixed_7c.branch_pool.conv.weight\n {2}- unexpected key: AuxLogits.fc.weight/);
      const stray = { 'model.weight': tf.zeros([1]) };
      expect(() => noResize.loadStateDict(stray)).toThrow(/no key matched/);
      tf.dispose(Object.values(stray));
      const partial = noResize.loadStateDict(sd, { strict: false });
      expect(partial).toEqual({ missing: ['Mixed_7c.branch_pool.conv.weight'], unexpected: ['AuxLogits.fc.weight'] });
      expect(noResize.name).toBe('inception-v3-fid-untrained-noresize');
      tf.dispose(Object.values(sd));
      noResize.dispose();
    });
  });
});
