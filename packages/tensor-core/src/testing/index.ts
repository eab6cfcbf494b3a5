export { expectNoLeaks } from './leaks.js';
export { maxAbsDiff, assertAllClose } from './compare.js';
