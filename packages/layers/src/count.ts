import { tf } from '@patchwork/tensor-core';

/** Result of {@link countMacs}. */
export interface MacCount {
  /** Multiply-accumulates in total (FLOPs ≈ 2 × this). */
  total: number;
  /** MACs per tfjs kernel name (`Conv2D`, `DepthwiseConv2dNative`, `BatchMatMul`, …). */
  byKernel: Record<string, number>;
}

type Shapes = (number[] | null)[];

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * MACs of one kernel call from its input and output shapes (tfjs layouts), or 0 for kernels that
 * are not counted. Attributes such as stride or transposition are not needed: every output
 * element costs `filter taps × input channels`, or the contraction length of a matmul.
 */
const MAC_RULES: Record<string, (inputs: Shapes, output: number[]) => number> = {
  // x [N,H,W,Ci], filter [kh,kw,Ci,Co] → out [N,Ho,Wo,Co]: kh·kw·Ci per output element.
  Conv2D: (inputs, out) => size(out) * size(inputs[1]!.slice(0, 3)),
  FusedConv2D: (inputs, out) => size(out) * size(inputs[1]!.slice(0, 3)),
  // filter [kh,kw,C,m] → out [N,Ho,Wo,C·m]: kh·kw per output element.
  DepthwiseConv2dNative: (inputs, out) => size(out) * size(inputs[1]!.slice(0, 2)),
  FusedDepthwiseConv2D: (inputs, out) => size(out) * size(inputs[1]!.slice(0, 2)),
  // conv2dTranspose runs this kernel forward: every input element of dy [N,H,W,Ci] is scattered
  // through filter [kh,kw,Co,Ci], i.e. kh·kw·Co MACs each.
  Conv2DBackpropInput: (inputs) => size(inputs[0]!) * size(inputs[1]!.slice(0, 3)),
  // a [..., M, K] (or [..., K, M] transposed) → out [..., M, N]: K per output element, and
  // K = (M·K) / M whichever way a is transposed.
  BatchMatMul: (inputs, out) => size(out) * (size(inputs[0]!.slice(-2)) / out[out.length - 2]!),
  _FusedMatMul: (inputs, out) => size(out) * (size(inputs[0]!.slice(-2)) / out[out.length - 2]!),
};

/**
 * Count the multiply-accumulates (MACs) of a forward pass by running `fn` once under
 * `tf.profile` and reading every kernel's shapes.
 *
 * Convention (as the MobileNetV2 paper's "multiply-adds"): only the products of convolutions
 * (regular, grouped, depthwise, transposed), linear layers and matmuls (including attention's
 * q·kᵀ and attn·v) are counted; norms, activations, softmax, pooling, additions and resampling
 * weights are not. Counted per sample only if `fn` runs batch 1. Counts follow the kernels that
 * actually run, so a dilated Conv2d, which runs as a zero-filled dense kernel, is counted with
 * those zero taps. `fn` should be a forward pass: gradient kernels are not MACs of the model.
 * The tensors `fn` returns are disposed.
 */
export async function countMacs(fn: () => tf.TensorContainer): Promise<MacCount> {
  const info = await tf.profile(fn);
  tf.dispose(info.result);
  const byKernel: Record<string, number> = {};
  let total = 0;
  for (const kernel of info.kernels) {
    const rule = MAC_RULES[kernel.name];
    const out = kernel.outputShapes[0];
    if (rule === undefined || out === undefined) continue;
    const macs = rule(kernel.inputShapes, out);
    byKernel[kernel.name] = (byKernel[kernel.name] ?? 0) + macs;
    total += macs;
  }
  return { total, byKernel };
}
