import { tf } from '../tf.js';

/**
 * Run `fn` (sync or async) and throw if it leaves more tensors alive than before.
 * Returns what `fn` returned; tensors in the result are counted as leaks unless `allow` says how many to expect.
 */
export async function expectNoLeaks<T>(fn: () => T | Promise<T>, allow = 0): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  const after = tf.memory().numTensors;
  if (after - before !== allow) {
    throw new Error(`tensor leak: ${after - before} tensors left alive (expected ${allow}); before=${before} after=${after}`);
  }
  return out;
}
