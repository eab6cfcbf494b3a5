export { loadFashionMnist, BUNDLED_FASHION_MNIST_DIR, DEBIAN_FASHION_MNIST_DIR } from './fashion-mnist-files.js';
export type { FashionMnistOptions } from './fashion-mnist-files.js';
