import { PatchworkError } from './errors.js';
import { tf } from './tf.js';

/** Serializable generator state (four 32-bit words), stored in checkpoints. */
export type RngState = [number, number, number, number];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * Seeded pseudo-random generator (xoshiro128**), independent of the tfjs backend, so the same
 * seed gives the same numbers on cpu, wasm, webgl and tensorflow. Every random draw in
 * Patchwork (init, masks, noise, shuffling) goes through one of these.
 */
export class Rng {
  private s: Uint32Array;

  constructor(seed: number | RngState = 0) {
    this.s = new Uint32Array(4);
    if (Array.isArray(seed)) {
      this.setState(seed);
    } else {
      if (!Number.isFinite(seed)) throw new PatchworkError('E_ARGUMENT', `Rng seed must be a finite number, got ${seed}`);
      const mix = splitmix32(Math.floor(seed) ^ Math.floor(seed / 2 ** 32));
      for (let i = 0; i < 4; i++) this.s[i] = mix();
    }
  }

  /** Current state; `new Rng(state)` resumes the exact stream. */
  getState(): RngState {
    return [this.s[0]!, this.s[1]!, this.s[2]!, this.s[3]!];
  }

  setState(state: RngState): void {
    if (state.length !== 4 || state.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
      throw new PatchworkError('E_ARGUMENT', `Rng state must be four uint32 words, got ${JSON.stringify(state)}`);
    }
    if (state.every((v) => v === 0)) throw new PatchworkError('E_ARGUMENT', 'Rng state must not be all zero');
    this.s.set(state);
  }

  /** Next uint32. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Standard normal draw (Box–Muller; the second value is dropped so the state stays four words). */
  nextNormal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new PatchworkError('E_ARGUMENT', `Rng.int needs a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Uniform float in [lo, hi). */
  uniformScalar(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  uniformArray(n: number, lo = 0, hi = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.next();
    return out;
  }

  normalArray(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.nextNormal();
    return out;
  }

  /** Normal draws redrawn until within [a, b] standard deviations (timm's trunc_normal_ bounds). */
  truncatedNormalArray(n: number, mean = 0, std = 1, a = -2, b = 2): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let z = this.nextNormal();
      while (z < a || z > b) z = this.nextNormal();
      out[i] = mean + std * z;
    }
    return out;
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = p[i]!;
      p[i] = p[j]!;
      p[j] = tmp;
    }
    return p;
  }

  /** Float32 tensor of uniform draws in [lo, hi). Caller disposes. */
  uniform(shape: number[], lo = 0, hi = 1): tf.Tensor {
    return tf.tensor(this.uniformArray(sizeOf(shape), lo, hi), shape, 'float32');
  }

  /** Float32 tensor of normal draws. Caller disposes. */
  normal(shape: number[], mean = 0, std = 1): tf.Tensor {
    return tf.tensor(this.normalArray(sizeOf(shape), mean, std), shape, 'float32');
  }

  /** Float32 tensor of truncated-normal draws. Caller disposes. */
  truncatedNormal(shape: number[], mean = 0, std = 1, a = -2, b = 2): tf.Tensor {
    return tf.tensor(this.truncatedNormalArray(sizeOf(shape), mean, std, a, b), shape, 'float32');
  }

  /** An independent generator seeded from this one (for sub-streams such as per-worker noise). */
  fork(): Rng {
    return new Rng([(this.nextUint32() | 1) >>> 0, this.nextUint32(), this.nextUint32(), this.nextUint32()] as RngState);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function sizeOf(shape: number[]): number {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new PatchworkError('E_ARGUMENT', `invalid shape [${shape.join(', ')}]`);
  }
  return shape.reduce((a, b) => a * b, 1);
}

let globalRng = new Rng(0);

/** Reseed the process-wide generator used when no explicit `Rng` is passed (like `torch.manual_seed`). */
export function manualSeed(seed: number): void {
  globalRng = new Rng(seed);
}

/** The process-wide generator (seed 0 until {@link manualSeed} is called). */
export function defaultRng(): Rng {
  return globalRng;
}
