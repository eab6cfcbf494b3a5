// Node-only entry: file system, zlib, sharp and network helpers.
export { loadFashionMnist, BUNDLED_FASHION_MNIST_DIR, DEBIAN_FASHION_MNIST_DIR } from './fashion-mnist-files.js';
export type { FashionMnistOptions } from './fashion-mnist-files.js';
export { decodeImage, encodeImage, readImage, writeImage } from './node/codec.js';
export type { DecodeOptions, EncodeOptions, ImageFormat } from './node/codec.js';
export { decodeLabelPng } from './node/png-labels.js';
export { IMAGE_EXTENSIONS } from './node/files.js';
export type { SkippedFile } from './node/files.js';
export { ImageFolderDataset } from './node/image-folder.js';
export type { ImageFolderOptions, ImageFolderExample } from './node/image-folder.js';
export { SegmentationFolderDataset } from './node/segmentation-folder.js';
export type { SegmentationFolderOptions, SegmentationFolderExample, SegmentationLayout } from './node/segmentation-folder.js';
export { fetchWithCache } from './node/fetch-cache.js';
export type { FetchCacheOptions } from './node/fetch-cache.js';
