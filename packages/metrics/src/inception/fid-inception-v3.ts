import { ShapeError, StateDictError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module, interpolate } from '@patchwork/layers';
import type { LoadResult } from '@patchwork/layers';
import { FID_INCEPTION } from '../features.js';
import type { FeatureExtractor } from '../features.js';
import { BasicConv2d } from './basic-conv.js';
import { InceptionA, InceptionB, InceptionC, InceptionD, InceptionE } from './blocks.js';
import { maxPool3x3Stride2 } from './pool.js';

/** pytorch-fid's input size: images are resized to 299×299 (bilinear, `align_corners=False`). */
export const FID_INCEPTION_SIZE = 299;

/** Options of {@link FidInceptionV3}; the defaults are pytorch-fid's. */
export interface FidInceptionV3Options {
  /** Resize inputs to 299×299 bilinearly first (pytorch-fid `resize_input=True`). */
  resizeInput?: boolean;
  /** Map [0, 1] inputs to [−1, 1] (pytorch-fid `normalize_input=True`). */
  normalizeInput?: boolean;
  /** Initial (random) weights; real use loads the pt_inception weights. */
  rng?: Rng;
}

// Keys of the pt_inception checkpoint that the feature extractor does not use (the 1008-way classifier).
const CLASSIFIER_KEYS = ['fc.weight', 'fc.bias'];

/**
 * pytorch-fid's InceptionV3 (`pytorch_fid.inception.InceptionV3` with `use_fid_inception=True`):
 * torchvision's Inception3 trunk with FIDInceptionA/C/E_1/E_2 patched in to match the TensorFlow
 * `inception-2015-12-05` graph, up to the final average pool (pool3, 2048-d). State-dict names are
 * torchvision's (`Conv2d_1a_3x3.conv.weight`, `Mixed_7c.branch_pool.bn.running_var`, …), so the
 * `pt_inception-2015-12-05-6726825d.pth` weights load after converting them with
 * `tooling/scripts/torch-to-safetensors.py` (see the README); nothing is downloaded.
 *
 * Inputs are NHWC in [0, 1]. {@link name} is {@link FID_INCEPTION} only once a complete
 * checkpoint has been loaded with the default preprocessing; otherwise the features are labelled
 * as something else and never produce a number called FID.
 */
export class FidInceptionV3 extends Module implements FeatureExtractor {
  readonly dim = 2048;
  readonly resizeInput: boolean;
  readonly normalizeInput: boolean;
  private loaded = false;
  private readonly stem: BasicConv2d[];
  private readonly stem2: BasicConv2d[];
  private readonly mixed6: (InceptionA | InceptionB | InceptionC)[];
  private readonly mixed7: (InceptionD | InceptionE)[];

  constructor({ resizeInput = true, normalizeInput = true, rng = defaultRng() }: FidInceptionV3Options = {}) {
    super();
    this.resizeInput = resizeInput;
    this.normalizeInput = normalizeInput;
    this.stem = [
      this.addModule('Conv2d_1a_3x3', new BasicConv2d(3, 32, 3, { stride: 2, rng })),
      this.addModule('Conv2d_2a_3x3', new BasicConv2d(32, 32, 3, { rng })),
      this.addModule('Conv2d_2b_3x3', new BasicConv2d(32, 64, 3, { padding: 1, rng })),
    ];
    this.stem2 = [this.addModule('Conv2d_3b_1x1', new BasicConv2d(64, 80, 1, { rng })), this.addModule('Conv2d_4a_3x3', new BasicConv2d(80, 192, 3, { rng }))];
    this.mixed6 = [
      this.addModule('Mixed_5b', new InceptionA(192, 32, rng)),
      this.addModule('Mixed_5c', new InceptionA(256, 64, rng)),
      this.addModule('Mixed_5d', new InceptionA(288, 64, rng)),
      this.addModule('Mixed_6a', new InceptionB(288, rng)),
      this.addModule('Mixed_6b', new InceptionC(768, 128, rng)),
      this.addModule('Mixed_6c', new InceptionC(768, 160, rng)),
      this.addModule('Mixed_6d', new InceptionC(768, 160, rng)),
      this.addModule('Mixed_6e', new InceptionC(768, 192, rng)),
    ];
    this.mixed7 = [
      this.addModule('Mixed_7a', new InceptionD(768, rng)),
      this.addModule('Mixed_7b', new InceptionE(1280, 'avg', rng)),
      this.addModule('Mixed_7c', new InceptionE(2048, 'max', rng)),
    ];
    this.eval();
  }

  /**
   * {@link FID_INCEPTION} after a complete pt_inception checkpoint was loaded with pytorch-fid's
   * preprocessing; `inception-v3-fid-untrained` before; `…-noresize` / `…-nonormalize` variants
   * when the preprocessing was switched off (those features are not FID features).
   */
  get name(): string {
    const base = this.loaded ? FID_INCEPTION : 'inception-v3-fid-untrained';
    return base + (this.resizeInput ? '' : '-noresize') + (this.normalizeInput ? '' : '-nonormalize');
  }

  /**
   * pytorch-fid's four output blocks, NHWC: 0 = first max pool (64 ch), 1 = second max pool
   * (192 ch), 2 = before the aux classifier (768 ch), 3 = final average pool `[N, 1, 1, 2048]`.
   * `images`: `[N, H, W, 3]` in [0, 1] (at least 75×75 without resizing). Caller disposes.
   */
  forwardBlocks(images: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
    if (images.rank !== 4 || images.shape[3] !== 3) throw new ShapeError(`FidInceptionV3: expected NHWC images [N, H, W, 3], got [${images.shape.join(', ')}]`);
    if (!this.resizeInput && (images.shape[1] < 75 || images.shape[2] < 75)) {
      throw new ShapeError(`FidInceptionV3: without resizing, images must be at least 75×75, got ${images.shape[1]}×${images.shape[2]}`);
    }
    return tf.tidy(() => {
      let x: tf.Tensor4D = tf.cast(images, 'float32');
      if (this.resizeInput) x = interpolate(x, [FID_INCEPTION_SIZE, FID_INCEPTION_SIZE], { mode: 'bilinear' });
      if (this.normalizeInput) x = tf.sub(tf.mul(x, 2), 1);
      for (const conv of this.stem) x = conv.forward(x);
      const block0 = maxPool3x3Stride2(x);
      x = block0;
      for (const conv of this.stem2) x = conv.forward(x);
      const block1 = maxPool3x3Stride2(x);
      x = block1;
      for (const block of this.mixed6) x = block.forward(x);
      const block2 = x;
      for (const block of this.mixed7) x = block.forward(x);
      const block3 = tf.mean(x, [1, 2], true) as tf.Tensor4D;
      return [block0, block1, block2, block3];
    });
  }

  /** pool3 features `[N, 2048]` of NHWC images in [0, 1] (what pytorch-fid's FID uses). Caller disposes. */
  extract(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const blocks = this.forwardBlocks(images);
      return tf.reshape(blocks[3], [images.shape[0], this.dim]) as tf.Tensor2D;
    });
  }

  /**
   * Load a pt_inception state dict (PyTorch names and layouts, e.g. from
   * `openSafetensors(path).readAll()`). The 1008-way classifier `fc.*` is ignored and BatchNorm's
   * `num_batches_tracked` may be absent (old checkpoints lack it); anything else missing,
   * unexpected or mis-shaped is an error. With `strict: false`, missing and unexpected keys are
   * reported instead of thrown (the extractor then counts as loaded only if nothing was missing).
   */
  override loadStateDict(dict: Record<string, tf.Tensor>, { strict = true }: { strict?: boolean } = {}): LoadResult {
    const expected = new Set([...this.namedParameters(), ...this.namedBuffers().filter(([, b]) => b.persistent)].map(([k]) => k));
    const missing = [...expected].filter((k) => !(k in dict) && !k.endsWith('.num_batches_tracked'));
    const unexpected = Object.keys(dict).filter((k) => !expected.has(k) && !CLASSIFIER_KEYS.includes(k));
    if (strict && (missing.length > 0 || unexpected.length > 0)) {
      const lines = [...missing.map((k) => `  - missing key: ${k}`), ...unexpected.map((k) => `  - unexpected key: ${k}`)];
      const hint = unexpected.length === Object.keys(dict).length ? ' (no key matched: is this the pt_inception checkpoint?)' : '';
      const shown = lines.slice(0, 20).join('\n') + (lines.length > 20 ? `\n  … ${lines.length - 20} more` : '');
      throw new StateDictError(`cannot load state dict into FidInceptionV3${hint}:\n${shown}`);
    }
    const used = Object.fromEntries(Object.entries(dict).filter(([k]) => expected.has(k)));
    super.loadStateDict(used, { strict: false }); // still checks every shape and dtype
    this.loaded = missing.length === 0 && unexpected.length === 0;
    return { missing, unexpected };
  }
}
