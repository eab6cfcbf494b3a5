import { Rng, tf } from '@patchwork/tensor-core';
import { Vgg19Features } from '@patchwork/mat-inpaint';
import { PerceptualDistance } from '@patchwork/metrics';

/** The VGG-19 layers the distance compares (after their ReLU): the last conv of each block, LPIPS-VGG's choice. */
export const PERCEPTUAL_LAYERS = ['conv1_2', 'conv2_2', 'conv3_4', 'conv4_4', 'conv5_4'] as const;

/**
 * The benchmark's perceptual distance. No pretrained network can be downloaded here, so it is
 * LPIPS' formula without learned heads (`@patchwork/metrics` `PerceptualDistance`, i.e.
 * `lpips=False`: unit-normalise channels, squared difference, channel sum, spatial mean, sum over
 * layers) on a **random** VGG-19 trunk (`@patchwork/mat-inpaint` `Vgg19Features`, ImageNet input
 * normalisation) whose conv weights are He-normal (std √(2/fan_in)) from `new Rng(seed)` and whose
 * biases are 0, at the ReLU outputs of {@link PERCEPTUAL_LAYERS}. Random conv features measure
 * multi-scale agreement of local structure and texture; the numbers are comparable only with
 * themselves (same seed), not with published LPIPS. Lower is closer.
 */
export class RandomVggDistance {
  private readonly vgg: Vgg19Features;
  private readonly lpips: PerceptualDistance;

  constructor(readonly seed = 0) {
    const rng = new Rng(seed);
    this.vgg = new Vgg19Features({ rng });
    const init = this.vgg.stateDict();
    const fresh = Object.fromEntries(
      Object.entries(init).map(([name, t]) => {
        if (name.endsWith('.bias')) return [name, tf.zeros(t.shape)];
        const fanIn = t.shape[1]! * t.shape[2]! * t.shape[3]!;
        return [name, rng.normal(t.shape, 0, Math.sqrt(2 / fanIn))];
      }),
    );
    try {
      this.vgg.loadStateDict(fresh);
    } finally {
      tf.dispose([...Object.values(init), ...Object.values(fresh)]);
    }
    this.lpips = new PerceptualDistance((images) => {
      const f = this.vgg.features(tf.mul(tf.add(images, 1), 0.5) as tf.Tensor4D);
      return PERCEPTUAL_LAYERS.map((name) => tf.relu(f[name]!));
    });
  }

  /** Distance of each pair of NHWC images in [−1, 1] (sides multiples of 16), in batches of `batch`. */
  perImage(a: tf.Tensor4D, b: tf.Tensor4D, batch = 16): number[] {
    const out: number[] = [];
    for (let i = 0; i < a.shape[0]; i += batch) {
      const n = Math.min(batch, a.shape[0] - i);
      const d = tf.tidy(() => this.lpips.forward(tf.slice(a, [i, 0, 0, 0], [n, -1, -1, -1]), tf.slice(b, [i, 0, 0, 0], [n, -1, -1, -1])));
      out.push(...d.dataSync());
      d.dispose();
    }
    return out;
  }

  dispose(): void {
    this.vgg.dispose();
    this.lpips.dispose();
  }
}
