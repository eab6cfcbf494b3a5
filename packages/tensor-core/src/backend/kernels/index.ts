import { tf } from '../../tf.js';
import { batchMatMulGradConfig } from './batch-mat-mul-grad.js';
import { batchMatMulConfig } from './batch-mat-mul.js';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-conv2d-native-backprop-filter.js';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-conv2d-native-backprop-input.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
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
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, config.backendName) !== undefined) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  }
  tf.registerGradient(batchMatMulGradConfig); // replaces tfjs-core's
}
