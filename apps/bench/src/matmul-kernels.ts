// Matmul throughput on wasm, stock BatchMatMul kernel vs Patchwork's, for 1 and 2 threads: the
// shapes a ViT training step multiplies. Moved here from @patchwork/tensor-core (a script that
// should not ship in the package). Run after a build: `pnpm bench:matmul-kernels` (prints a GFLOP/s table).
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { initBackend, tf } from '@patchwork/tensor-core';

interface Case {
  name: string;
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

const CASES: Case[] = [
  { name: '1024³ NN', a: [1024, 1024], b: [1024, 1024], transposeA: false, transposeB: false },
  { name: '1024³ NT', a: [1024, 1024], b: [1024, 1024], transposeA: false, transposeB: true },
  { name: '1024³ TN', a: [1024, 1024], b: [1024, 1024], transposeA: true, transposeB: false },
  { name: 'attn [48,64,64]×[48,64,64]ᵀ', a: [48, 64, 64], b: [48, 64, 64], transposeA: false, transposeB: true },
  { name: 'attn [48,197,64]×[48,197,64]ᵀ', a: [48, 197, 64], b: [48, 197, 64], transposeA: false, transposeB: true },
  { name: 'attn [48,197,197]×[48,197,64]', a: [48, 197, 197], b: [48, 197, 64], transposeA: false, transposeB: false },
  { name: 'dense fwd [32,197,192]×[192,768]', a: [32, 197, 192], b: [192, 768], transposeA: false, transposeB: false },
  { name: 'dense dX [32,197,768]×[192,768]ᵀ', a: [32, 197, 768], b: [192, 768], transposeA: false, transposeB: true },
  { name: 'dense dW [6304,192]ᵀ×[6304,768]', a: [6304, 192], b: [6304, 768], transposeA: true, transposeB: false },
];

// Importing @patchwork/tensor-core registered the stock wasm kernels; initBackend() swaps in Patchwork's.
const stock = tf.getKernel('BatchMatMul', 'wasm');

function flops({ a, b, transposeA, transposeB }: Case): number {
  const batch = Math.max(tf.util.sizeFromShape(a.slice(0, -2)), tf.util.sizeFromShape(b.slice(0, -2)));
  const m = transposeA ? a.at(-1)! : a.at(-2)!;
  const k = transposeA ? a.at(-2)! : a.at(-1)!;
  const n = transposeB ? b.at(-2)! : b.at(-1)!;
  return 2 * batch * m * k * n;
}

/** Median ms of at least 3 and at most 20 runs within ~1.5 s, after one warm-up. */
function time(run: () => void): number {
  run();
  const samples: number[] = [];
  const deadline = performance.now() + 1500;
  while (samples.length < 3 || (performance.now() < deadline && samples.length < 20)) {
    const start = performance.now();
    run();
    samples.push(performance.now() - start);
  }
  samples.sort((x, y) => x - y);
  return samples[Math.floor(samples.length / 2)]!;
}

async function main(): Promise<void> {
  if (stock === undefined) throw new Error('stock wasm BatchMatMul missing');
  console.log('case'.padEnd(36), 'threads', 'stock GFLOP/s', 'patchwork GFLOP/s');
  for (const threads of [1, 2]) {
    await initBackend({ backend: 'wasm', threads });
    for (const c of CASES) {
      const a = tf.randomNormal(c.a);
      const b = tf.randomNormal(c.b);
      const attrs = { transposeA: c.transposeA, transposeB: c.transposeB };
      const backend = tf.backend() as wasm.BackendWasm;
      const stockMs = time(() => {
        const out = stock.kernelFunc({ inputs: { a, b }, backend, attrs }) as tf.TensorInfo;
        backend.disposeData(out.dataId);
      });
      const oursMs = time(() => tf.matMul(a, b, c.transposeA, c.transposeB).dispose());
      const gflops = (ms: number): string => (flops(c) / ms / 1e6).toFixed(1).padStart(13);
      console.log(c.name.padEnd(36), String(wasm.getThreadsCount()).padStart(7), gflops(stockMs), gflops(oursMs).padStart(17));
      tf.dispose([a, b]);
    }
  }
}

await main();
process.exit(0);
