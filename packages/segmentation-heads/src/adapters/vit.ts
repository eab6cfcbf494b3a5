import { vitLayerId } from '@patchwork/layers';
import type { Module } from '@patchwork/layers';
import { PatchworkError } from '@patchwork/tensor-core';
import type { tf } from '@patchwork/tensor-core';
import type { Backbone } from '../backbone.js';

/**
 * What {@link vitBackbone} needs from a Vision Transformer (`@patchwork/vit`'s class has it):
 * width, depth, patch size and timm's `forward_intermediates`. Typed structurally so this package
 * does not depend on the model package.
 */
export interface VitLike extends Module {
  readonly embedDim: number;
  readonly blocks: { readonly length: number };
  readonly patchEmbed: { readonly patchSize: readonly [number, number] };
  forwardIntermediates(
    x: tf.Tensor,
    options: { indices: readonly number[]; stopEarly: boolean; norm: boolean; outputFmt: 'NHWC' },
  ): { intermediates: tf.Tensor[]; features: tf.Tensor | null; prefixTokens: readonly tf.Tensor[] | null };
}

/** Options of {@link vitBackbone}. */
export interface VitBackboneOptions {
  /** Blocks whose outputs become the four maps; default {@link vitOutIndices} of the depth. */
  indices?: readonly number[];
}

/**
 * The MAE/BEiT segmentation recipe's `out_indices` [3, 5, 7, 11] for a 12-block ViT, scaled to
 * `depth` blocks: the blocks ending at 4/12, 6/12, 8/12 and 12/12 of the depth (rounded), e.g.
 * [1, 2, 3, 5] for 6 blocks and [2, 3, 4, 7] for 8.
 */
export function vitOutIndices(depth: number): number[] {
  if (!Number.isInteger(depth) || depth < 4) throw new PatchworkError('E_ARGUMENT', `vitOutIndices: need a depth of at least 4 blocks, got ${depth}`);
  return [4, 6, 8, 12].map((b) => Math.round((b * depth) / 12) - 1);
}

/**
 * A ViT as a segmentation {@link Backbone}: the patch tokens of four blocks as NHWC maps at the
 * patch stride (no final norm, as mmseg's MAE backbone with `final_norm=False`), to be turned
 * into a pyramid by {@link Feature2Pyramid}. The ViT itself is the backbone module, so its
 * timm keys appear as `backbone.blocks.0.attn.qkv.weight` etc.; build it with `numClasses: 0`
 * and `finalNorm: false` so it carries no unused head. Inputs must fit the ViT (its image size,
 * or any multiple of the patch with `dynamicImgSize`).
 *
 * @example
 * const vit = createVit('vit_base_patch16_224', { imgSize: 512, numClasses: 0, finalNorm: false, dropPathRate: 0.1 });
 * const model = new SegmentationModel({ backbone: vitBackbone(vit), neck: new Feature2Pyramid({ embedDim: 768 }), decodeHead });
 */
export function vitBackbone(vit: VitLike, { indices = vitOutIndices(vit.blocks.length) }: VitBackboneOptions = {}): Backbone {
  if (indices.length !== 4) throw new PatchworkError('E_ARGUMENT', `vitBackbone: expected 4 block indices for the pyramid neck, got [${indices.join(', ')}]`);
  const bad = indices.find((i) => !Number.isInteger(i) || i < 0 || i >= vit.blocks.length);
  if (bad !== undefined) throw new PatchworkError('E_ARGUMENT', `vitBackbone: block index ${bad} is out of range 0..${vit.blocks.length - 1}`);
  const [ph, pw] = vit.patchEmbed.patchSize;
  if (ph !== pw) throw new PatchworkError('E_ARGUMENT', `vitBackbone: needs square patches, got ${ph}×${pw}`);
  return {
    module: vit,
    levels: indices.map(() => ({ channels: vit.embedDim, stride: ph })),
    forwardFeatures: (images) =>
      vit.forwardIntermediates(images, { indices, stopEarly: true, norm: false, outputFmt: 'NHWC' }).intermediates as tf.Tensor4D[],
  };
}

/**
 * Layer id of a segmentation-model parameter for layer-wise learning-rate decay with a ViT
 * backbone, as mmseg's `LayerDecayOptimizerConstructor` assigns them: `backbone.` + cls token,
 * position embedding, patch embedding → 0, `backbone.blocks.i.*` → i + 1, everything else (neck,
 * heads) → `numLayers + 1`. Pass as `layerId` to `@patchwork/layers`' `layerDecayGroups`.
 */
export function segmentationLayerId(numLayers: number): (name: string) => number {
  return (name) => (name.startsWith('backbone.') ? vitLayerId(name.slice('backbone.'.length), numLayers) : numLayers + 1);
}
