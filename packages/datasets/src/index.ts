export { decodeIdx } from './idx.js';
export type { IdxArray } from './idx.js';
export { FASHION_MNIST_CLASSES, fashionMnistFromIdx } from './fashion-mnist.js';
export type { LabelledImages } from './fashion-mnist.js';
export { batchIndices } from './batches.js';
export type { BatchOptions } from './batches.js';
