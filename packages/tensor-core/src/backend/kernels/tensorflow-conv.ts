// Conv kernels for the 'tensorflow' backend (tfjs-node 4.22). Its own backprop kernels send
// TensorFlow `padding: EXPLICIT` without the `explicit_paddings` attribute (the depthwise ones) or
// throw on explicit pads (the dense ones), and every one of its conv kernels throws on a scalar
// pad, so conv nets with PyTorch-style padding (and transposed convs) fail on their first step.
// These pass the pads, in TensorFlow's NHWC layout.
import { tf } from '../../tf.js';
import type { TensorInfo } from './wasm-backend.js';

type Conv2DInfo = tf.backend_util.Conv2DInfo;

interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}

/** The parts of tfjs-node's NodeJSKernelBackend these kernels call. */
interface NodeBackend {
  binding: { TF_ATTR_INT: number; TF_ATTR_STRING: number; TF_ATTR_BOOL: number; TF_ATTR_TYPE: number; TF_FLOAT: number };
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: TensorInfo[]): TensorInfo;
}

interface KernelArgs<A> {
  inputs: Record<string, TensorInfo>;
  backend: unknown;
  attrs: A;
}

function convAttrs(backend: NodeBackend, info: Conv2DInfo, dense: boolean): OpAttr[] {
  if (info.dataFormat !== 'channelsLast') throw new Error(`tensorflow conv backprop: only NHWC is supported, got ${info.dataFormat}`);
  const { binding } = backend;
  const { top, bottom, left, right } = info.padInfo;
  // tfjs says NUMBER for a scalar pad (`pad: 1`); TensorFlow only knows SAME, VALID and EXPLICIT.
  const type = info.padInfo.type === 'NUMBER' ? 'EXPLICIT' : info.padInfo.type;
  const attrs: OpAttr[] = [
    { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
    { name: 'strides', type: binding.TF_ATTR_INT, value: [1, info.strideHeight, info.strideWidth, 1] },
    { name: 'padding', type: binding.TF_ATTR_STRING, value: type },
    { name: 'data_format', type: binding.TF_ATTR_STRING, value: 'NHWC' },
    { name: 'dilations', type: binding.TF_ATTR_INT, value: [1, info.dilationHeight, info.dilationWidth, 1] },
    { name: 'explicit_paddings', type: binding.TF_ATTR_INT, value: type === 'EXPLICIT' ? [0, 0, top, bottom, left, right, 0, 0] : [] },
  ];
  if (dense) attrs.push({ name: 'use_cudnn_on_gpu', type: binding.TF_ATTR_BOOL, value: true });
  return attrs;
}

function run(backend: NodeBackend, kernel: string, info: Conv2DInfo, dense: boolean, sizes: number[], order: (s: TensorInfo) => TensorInfo[]): TensorInfo {
  const sizesTensor = tf.tensor1d(sizes, 'int32');
  try {
    return backend.executeSingleOutput(kernel, convAttrs(backend, info, dense), order(sizesTensor));
  } finally {
    sizesTensor.dispose();
  }
}

type InputAttrs = Pick<tf.Conv2DBackpropInputAttrs, 'strides' | 'pad' | 'dataFormat' | 'dimRoundingMode' | 'inputShape'> & { dilations?: number | [number, number] };
type FilterAttrs = Pick<tf.Conv2DBackpropFilterAttrs, 'strides' | 'pad' | 'dataFormat' | 'dimRoundingMode' | 'filterShape'> & { dilations?: number | [number, number] };

function backpropInput(kernel: string, depthwise: boolean) {
  return ({ inputs: { dy, filter }, backend, attrs }: KernelArgs<InputAttrs>): TensorInfo => {
    const format = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat ?? 'NHWC');
    const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, filter!.shape as [number, number, number, number], attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, depthwise, format);
    return run(backend as NodeBackend, kernel, info, !depthwise, [...info.inShape], (sizes) => [sizes, filter!, dy!]);
  };
}

function backpropFilter(kernel: string, depthwise: boolean) {
  return ({ inputs: { x, dy }, backend, attrs }: KernelArgs<FilterAttrs>): TensorInfo => {
    const format = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat ?? 'NHWC');
    const info = tf.backend_util.computeConv2DInfo(x!.shape as [number, number, number, number], attrs.filterShape, attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, depthwise, format);
    return run(backend as NodeBackend, kernel, info, !depthwise, [...attrs.filterShape], (sizes) => [x!, sizes, dy!]);
  };
}

type ForwardAttrs = Pick<tf.Conv2DAttrs, 'strides' | 'pad' | 'dataFormat' | 'dimRoundingMode' | 'dilations'>;

function forward(kernel: string, depthwise: boolean) {
  return ({ inputs: { x, filter }, backend, attrs }: KernelArgs<ForwardAttrs>): TensorInfo => {
    const format = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat ?? 'NHWC');
    const info = tf.backend_util.computeConv2DInfo(x!.shape as [number, number, number, number], filter!.shape as [number, number, number, number], attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, depthwise, format);
    return (backend as NodeBackend).executeSingleOutput(kernel, convAttrs(backend as NodeBackend, info, !depthwise), [x!, filter!]);
  };
}

/** The six replacement kernel configs, for `tf.registerKernel` after tfjs-node is imported. */
export function tensorflowConvConfigs(): tf.KernelConfig[] {
  const make = (kernelName: string, kernelFunc: (args: KernelArgs<never>) => TensorInfo): tf.KernelConfig => ({
    kernelName,
    backendName: 'tensorflow',
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  });
  return [
    make(tf.Conv2D, forward(tf.Conv2D, false)),
    make(tf.DepthwiseConv2dNative, forward(tf.DepthwiseConv2dNative, true)),
    make(tf.Conv2DBackpropInput, backpropInput(tf.Conv2DBackpropInput, false)),
    make(tf.Conv2DBackpropFilter, backpropFilter(tf.Conv2DBackpropFilter, false)),
    make(tf.DepthwiseConv2dNativeBackpropInput, backpropInput(tf.DepthwiseConv2dNativeBackpropInput, true)),
    make(tf.DepthwiseConv2dNativeBackpropFilter, backpropFilter(tf.DepthwiseConv2dNativeBackpropFilter, true)),
  ];
}
