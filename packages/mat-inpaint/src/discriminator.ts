import { ShapeError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module, ModuleList } from '@patchwork/layers';
import { channelsAt, parseMatConfig } from './config.js';
import type { MatConfig, MatConfigInput } from './config.js';
import { Conv2dLayer } from './layers/conv2d-layer.js';
import { FullyConnectedLayer } from './layers/fully-connected.js';
import { checkArg } from './layers/checks.js';

/** A layer of a discriminator trunk (official `nn.Sequential` members). */
interface TrunkLayer extends Module {
  forward(x: tf.Tensor4D): tf.Tensor4D;
}

/** Official `DisFromRGB`: 1×1 conv (lrelu) from `[mask − ½, image]`. State dict: `conv`. */
class DisFromRGB extends Module implements TrunkLayer {
  readonly conv: Conv2dLayer;

  constructor(inChannels: number, outChannels: number, rng: Rng) {
    super();
    this.conv = this.addModule('conv', new Conv2dLayer(inChannels, outChannels, 1, { activation: 'lrelu', rng }));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return this.conv.forward(x);
  }
}

/**
 * Official `DisBlock` (StyleGAN2 ResNet discriminator block): `conv0` 3×3, `conv1` 3×3 stride 2,
 * plus a 1×1 stride-2 linear `skip`; both branches scaled by √½ so the sum keeps unit variance.
 */
class DisBlock extends Module implements TrunkLayer {
  readonly conv0: Conv2dLayer;
  readonly conv1: Conv2dLayer;
  readonly skip: Conv2dLayer;

  constructor(inChannels: number, outChannels: number, rng: Rng) {
    super();
    this.conv0 = this.addModule('conv0', new Conv2dLayer(inChannels, inChannels, 3, { activation: 'lrelu', rng }));
    this.conv1 = this.addModule('conv1', new Conv2dLayer(inChannels, outChannels, 3, { activation: 'lrelu', down: 2, rng }));
    this.skip = this.addModule('skip', new Conv2dLayer(inChannels, outChannels, 1, { down: 2, bias: false, rng }));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => tf.add(this.skip.forward(x, Math.SQRT1_2), this.conv1.forward(this.conv0.forward(x), Math.SQRT1_2)) as tf.Tensor4D);
  }
}

/**
 * StyleGAN2's minibatch standard deviation (official `MinibatchStdLayer`): split the batch into
 * groups of `min(groupSize, N)`, take the per-feature stddev over each group, average it over
 * pixels and `C/numChannels`-channel slices, and append it as `numChannels` constant maps — it
 * lets the discriminator see batch diversity. The batch must be divisible by the group size.
 */
export class MinibatchStdLayer extends Module implements TrunkLayer {
  constructor(
    readonly groupSize: number,
    readonly numChannels: number,
  ) {
    super();
  }

  /** `[N, H, W, C]` → `[N, H, W, C + numChannels]`. Caller disposes. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    const [n, h, w, c] = x.shape;
    const g = Math.min(this.groupSize, n);
    const f = this.numChannels;
    if (n % g !== 0) throw new ShapeError(`MinibatchStdLayer: batch ${n} is not divisible by the group size ${g}`);
    if (c % f !== 0) throw new ShapeError(`MinibatchStdLayer: ${c} channels are not divisible into ${f} groups`);
    return tf.tidy(() => {
      // As torch's reshape(G, -1, …): sample i is member ⌊i / n⌋ of group i mod n, n = N/G.
      const y = tf.reshape(x, [g, (n / g) * h * w * c]);
      const centered = tf.sub(y, tf.mean(y, 0));
      const std = tf.sqrt(tf.add(tf.mean(tf.square(centered), 0), 1e-8)); // [n/G · H·W·C]
      const perGroup = tf.mean(tf.reshape(std, [n / g, h * w, f, c / f]), [1, 3]); // [n/G, F]
      const maps = tf.tile(tf.reshape(perGroup, [n / g, 1, 1, f]), [g, h, w, 1]); // sample i gets group i mod n
      return tf.concat([x, maps], 3) as tf.Tensor4D;
    });
  }
}

/** Trunk + head of one discriminator (the official `Dis`/`fc0`/`fc1` triple, or its `_stg1` twin). */
interface Tower {
  trunk: ModuleList<TrunkLayer>;
  fc0: FullyConnectedLayer;
  fc1: FullyConnectedLayer;
}

/**
 * MAT's discriminator (official `networks/mat.py Discriminator`, which follows CoModGAN): two
 * StyleGAN2 ResNet discriminators on `[mask − ½, image]` — `Dis` (full width) judges the final
 * output, `Dis_stg1` (half width) the first-stage output. Each: FromRGB, ResNet blocks down to
 * 4×4, minibatch-stddev, 3×3 conv, FC, FC → one logit. Channels follow the config's channel map.
 * State dict: `Dis.<i>`, `fc0`, `fc1`, `Dis_stg1.<i>`, `fc0_stg1`, `fc1_stg1`.
 */
export class MatDiscriminator extends Module {
  readonly config: MatConfig;
  private readonly main: Tower;
  private readonly stg1: Tower;

  constructor(config: MatConfigInput | MatConfig = {}, { rng = defaultRng() }: { rng?: Rng } = {}) {
    super();
    this.config = parseMatConfig(config);
    const c = this.config;
    checkArg(c.imgResolution >= 8, `MatDiscriminator: imgResolution must be ≥ 8, got ${c.imgResolution}`);
    const build = (suffix: string, divisor: number): Tower => {
      const nf = (res: number): number => Math.max(1, Math.floor(channelsAt(c, res) / divisor));
      const { mbstdGroupSize, mbstdNumChannels } = c.discriminator;
      const trunk = this.addModule(`Dis${suffix}`, new ModuleList<TrunkLayer>());
      trunk.push(new DisFromRGB(c.imgChannels + 1, nf(c.imgResolution), rng));
      for (let res = c.imgResolution; res > 4; res /= 2) trunk.push(new DisBlock(nf(res), nf(res / 2), rng));
      if (mbstdNumChannels > 0) trunk.push(new MinibatchStdLayer(mbstdGroupSize, mbstdNumChannels));
      trunk.push(new Conv2dLayer(nf(4) + mbstdNumChannels, nf(4), 3, { activation: 'lrelu', rng }));
      const fc0 = this.addModule(`fc0${suffix}`, new FullyConnectedLayer(nf(4) * 16, nf(4), { activation: 'lrelu', rng }));
      const fc1 = this.addModule(`fc1${suffix}`, new FullyConnectedLayer(nf(4), 1, { rng }));
      return { trunk, fc0, fc1 };
    };
    this.main = build('', 1);
    this.stg1 = build('_stg1', 2);
  }

  /**
   * `images` (final output or real) and `imagesStg1` (first-stage output or real), NHWC
   * `[B, R, R, C]` at the native resolution, `masks` `[B, R, R, 1]` → logits `[B, 1]` of both
   * discriminators. Caller disposes.
   */
  forward(images: tf.Tensor4D, masks: tf.Tensor4D, imagesStg1: tf.Tensor4D): { logits: tf.Tensor2D; logitsStg1: tf.Tensor2D } {
    const r = this.config.imgResolution;
    for (const [name, t, ch] of [['images', images, this.config.imgChannels], ['imagesStg1', imagesStg1, this.config.imgChannels], ['masks', masks, 1]] as const) {
      if (t.rank !== 4 || t.shape[1] !== r || t.shape[2] !== r || t.shape[3] !== ch || t.shape[0] !== images.shape[0]) {
        throw new ShapeError(`MatDiscriminator: ${name} must be [${images.shape[0]}, ${r}, ${r}, ${ch}], got [${t.shape.join(', ')}]`);
      }
    }
    return tf.tidy(() => {
      const m = tf.sub(masks, 0.5);
      return { logits: this.run(this.main, tf.concat([m, images], 3) as tf.Tensor4D), logitsStg1: this.run(this.stg1, tf.concat([m, imagesStg1], 3) as tf.Tensor4D) };
    });
  }

  private run(tower: Tower, x: tf.Tensor4D): tf.Tensor2D {
    let h = x;
    for (const layer of tower.trunk) h = layer.forward(h);
    const [b, hh, ww, c] = h.shape;
    const flat = tf.reshape(tf.transpose(h, [0, 3, 1, 2]), [b, c * hh * ww]); // torch flattens NCHW
    return tower.fc1.forward(tower.fc0.forward(flat)) as tf.Tensor2D;
  }
}
