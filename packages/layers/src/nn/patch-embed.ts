import { ShapeError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module } from '../module.js';
import { checkInput, pair } from './common.js';
import type { Layer, Pair } from './common.js';
import { Conv2d } from './conv.js';

/** Options for {@link PatchEmbed}; defaults as timm's `PatchEmbed`. */
export interface PatchEmbedOptions {
  /** Expected image size; `null` disables the size checks and `gridSize`. */
  imgSize?: Pair | null;
  patchSize?: Pair;
  inChans?: number;
  embedDim?: number;
  /** Norm over the embedding axis after projection (`norm`). */
  normLayer?: (dim: number) => Layer;
  /** `true`: tokens `[B, gh·gw, D]` (row-major); `false`: the NHWC grid `[B, gh, gw, D]`. */
  flatten?: boolean;
  bias?: boolean;
  /** Require exactly `imgSize`; otherwise any size divisible by the patch (ViT `dynamic_img_size` sets false). */
  strictImgSize?: boolean;
  /** Zero-pad bottom/right up to a multiple of the patch instead of requiring divisibility. */
  dynamicImgPad?: boolean;
  rng?: Rng;
}

/**
 * timm's `PatchEmbed` on NHWC images: `proj` is a Conv2d with kernel = stride = patch, the result
 * is flattened row-major into tokens. State dict `proj.weight` (OIHW), `proj.bias` (and `norm.*`).
 */
export class PatchEmbed extends Module {
  readonly proj: Conv2d;
  readonly norm: Layer | null;
  readonly imgSize: [number, number] | null;
  readonly patchSize: [number, number];
  /** Patch grid of `imgSize`, or null without one. */
  readonly gridSize: [number, number] | null;
  readonly numPatches: number | null;
  readonly inChans: number;
  readonly embedDim: number;
  readonly flatten: boolean;
  readonly strictImgSize: boolean;
  readonly dynamicImgPad: boolean;

  constructor({
    imgSize = 224,
    patchSize = 16,
    inChans = 3,
    embedDim = 768,
    normLayer,
    flatten = true,
    bias = true,
    strictImgSize = true,
    dynamicImgPad = false,
    rng = defaultRng(),
  }: PatchEmbedOptions = {}) {
    super();
    this.patchSize = pair(patchSize, 'PatchEmbed patchSize');
    this.imgSize = imgSize === null ? null : pair(imgSize, 'PatchEmbed imgSize');
    this.gridSize = this.imgSize === null ? null : this.dynamicFeatSize(this.imgSize[0], this.imgSize[1], false);
    this.numPatches = this.gridSize === null ? null : this.gridSize[0] * this.gridSize[1];
    this.inChans = inChans;
    this.embedDim = embedDim;
    this.flatten = flatten;
    this.strictImgSize = strictImgSize;
    this.dynamicImgPad = dynamicImgPad;
    this.proj = this.addModule('proj', new Conv2d(inChans, embedDim, this.patchSize, { stride: this.patchSize, bias, rng }));
    this.norm = normLayer === undefined ? null : this.addModule('norm', normLayer(embedDim));
  }

  /** Patch grid for an image of `height × width` (rounded up with `dynamicImgPad`). */
  dynamicFeatSize(height: number, width: number, padded = this.dynamicImgPad): [number, number] {
    const [ph, pw] = this.patchSize;
    return padded ? [Math.ceil(height / ph), Math.ceil(width / pw)] : [Math.floor(height / ph), Math.floor(width / pw)];
  }

  /** `x`: NHWC `[B, H, W, inChans]` → `[B, gh·gw, embedDim]`, or `[B, gh, gw, embedDim]` without `flatten`. */
  forward(x: tf.Tensor): tf.Tensor {
    checkInput('PatchEmbed', x, ['B', 'H', 'W', this.inChans], 'NHWC');
    const [, h, w] = x.shape as [number, number, number, number];
    this.checkSize(h, w, x.shape);
    return tf.tidy(() => {
      const [ph, pw] = this.patchSize;
      const padded = this.dynamicImgPad ? tf.pad(x, [[0, 0], [0, (ph - (h % ph)) % ph], [0, (pw - (w % pw)) % pw], [0, 0]]) : x;
      let y: tf.Tensor = this.proj.forward(padded);
      if (this.flatten) {
        const [b, gh, gw, d] = y.shape as [number, number, number, number];
        y = tf.reshape(y, [b, gh * gw, d]);
      }
      return this.norm === null ? y : this.norm.forward(y);
    });
  }

  private checkSize(h: number, w: number, shape: number[]): void {
    const [ph, pw] = this.patchSize;
    const got = `(input [${shape.join(', ')}], NHWC)`;
    // As timm: no size checks at all without an imgSize (the conv then drops partial patches).
    if (this.imgSize === null) return;
    if (this.strictImgSize) {
      if (h !== this.imgSize[0]) throw new ShapeError(`PatchEmbed: input height (${h}) doesn't match model (${this.imgSize[0]}) ${got}`);
      if (w !== this.imgSize[1]) throw new ShapeError(`PatchEmbed: input width (${w}) doesn't match model (${this.imgSize[1]}) ${got}`);
    } else if (!this.dynamicImgPad) {
      if (h % ph !== 0) throw new ShapeError(`PatchEmbed: input height (${h}) should be divisible by patch size (${ph}) ${got}`);
      if (w % pw !== 0) throw new ShapeError(`PatchEmbed: input width (${w}) should be divisible by patch size (${pw}) ${got}`);
    }
  }
}
