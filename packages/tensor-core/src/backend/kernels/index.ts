import { tf } from '../../tf.js';
import { batchMatMulGradConfig } from './batch-mat-mul-grad.js';
import { batchMatMulConfig } from './batch-mat-mul.js';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-conv2d-native-backprop-filter.js';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-conv2d-native-backprop-input.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { tensorflowConvConfigs } from './tensorflow-conv.js';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.js';

let registered = false;

/**
 * Register the wasm kernels stock tfjs lacks, gets wrong or runs slowly, replacing any kernel
 * already registered under the same name for 'wasm', and the gradients tfjs-core gets wrong on
 * every backend. Idempotent; call before `tf.setBackend`, because tfjs runs kernel setup
 * functions only when a backend is set.
 */
export function registerPatchworkKernels(): void {
  if (registered) return;
  registered = true;
  const configs = [
    batchMatMulConfig(),
    conv2DBackpropFilterConfig,
    conv2DBackpropInputConfig,
    depthwiseConv2dNativeBackpropFilterConfig,
    depthwiseConv2dNativeBackpropInputConfig,
    maxPoolGradConfig,
    unsortedSegmentSumConfig,
  ];
  replaceKernels(configs);
  tf.registerGradient(batchMatMulGradConfig); // replaces tfjs-core's
}

function replaceKernels(configs: tf.KernelConfig[]): void {
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, config.backendName) !== undefined) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  }
}

/**
 * Replace tfjs-node's conv kernels, which fail on scalar or explicit (PyTorch-style) padding. Call after
 * tfjs-node is imported, because importing it registers its own kernels.
 */
export function registerTensorflowKernels(): void {
  replaceKernels(tensorflowConvConfigs());
}
