// BatchMatMul for wasm that keeps every product on XNNPACK. Stock wasm uses XNNPACK only for a
// rank-3 product with batch 1 on both sides and no transposes; anything else (every backward
// matmul, all attention) falls into a scalar loop at 0.4–2 GFLOP/s. Here transposes are
// materialised with the wasm Transpose kernel, batch×weights products are flattened into one
// product, and batched×batched products run one XNNPACK product per batch slice.
import { tf } from '../../tf.js';
import { disposeInfos, f32, transposeInfo, view, wasmKernel } from './wasm-backend.js';
import type { BackendWasm, TensorInfo, WasmKernelArgs } from './wasm-backend.js';

interface BatchMatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/**
 * Below this many multiply-adds per slice the stock loop beats the per-slice XNNPACK set-up
 * (~0.4 ms per operator). Cubic slices break even near 10k MACs, but thin ones (MAT's 64-token
 * windows with 4-wide heads, ~16k MACs) are 5–10× slower per slice, so the cut-off sits above them;
 * ViT attention slices (≥ 200k MACs) still take the fast path.
 */
const MIN_SLICE_MACS = 65536;

let stock: tf.KernelConfig | null = null;

/** Config that replaces the stock wasm BatchMatMul; call once, before the stock kernel is unregistered. */
export function batchMatMulConfig(): tf.KernelConfig {
  const original = tf.getKernel('BatchMatMul', 'wasm');
  if (original === undefined) throw new Error('stock wasm BatchMatMul is not registered (import @tensorflow/tfjs-backend-wasm first)');
  stock = original;
  return { ...wasmKernel('BatchMatMul', batchMatMul), setupFunc: original.setupFunc };
}

function batchMatMul({ inputs: { a, b }, backend, attrs: { transposeA, transposeB } }: WasmKernelArgs<'a' | 'b', BatchMatMulAttrs>): TensorInfo {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return runStock(backend, a, b, transposeA, transposeB);
  const aBatch = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const bBatch = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const [aRows, aCols] = a.shape.slice(-2) as [number, number];
  const [bRows, bCols] = b.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const [kb, n] = transposeB ? [bCols, bRows] : [bRows, bCols];
  tf.util.assert(k === kb, () => `matMul: inner dimensions ${k} and ${kb} of [${a.shape}] and [${b.shape}] (transposeA=${transposeA}, transposeB=${transposeB}) must match`);
  const batchShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = { aBatch, bBatch, m, k, n };

  let out: TensorInfo;
  if (bBatch === 1) out = sharedRight(backend, a, b, transposeA, transposeB, shape);
  else if (aBatch === 1) out = sharedLeft(backend, a, b, transposeA, transposeB, shape);
  else if (aBatch === bBatch && m * n * k >= MIN_SLICE_MACS) out = perSlice(backend, a, b, transposeA, transposeB, shape);
  else return runStock(backend, a, b, transposeA, transposeB);
  return { ...out, shape: [...batchShape, m, n] };
}

interface Dims {
  aBatch: number;
  bBatch: number;
  m: number;
  k: number;
  n: number;
}

/** `[batch, m, k] × [k, n]`: one `[batch·m, k] × [k, n]` product (weights packed once). */
function sharedRight(backend: BackendWasm, a: TensorInfo, b: TensorInfo, tA: boolean, tB: boolean, { aBatch, m, k, n }: Dims): TensorInfo {
  const aN = tA ? transposeInfo(backend, view(a, [aBatch, k, m]), [0, 2, 1]) : a; // [batch, m, k]
  const bN = tB ? transposeInfo(backend, view(b, [n, k]), [1, 0]) : b; // [k, n]
  const out = xnnProduct(backend, view(aN, [aBatch * m, k]), view(bN, [k, n]));
  if (tA) disposeInfos(backend, aN);
  if (tB) disposeInfos(backend, bN);
  return out;
}

/** `[m, k] × [batch, k, n]` as `(Bᵢᵀ Aᵀ)ᵀ`: one `[batch·n, k] × [k, m]` product, then a transpose. */
function sharedLeft(backend: BackendWasm, a: TensorInfo, b: TensorInfo, tA: boolean, tB: boolean, { bBatch, m, k, n }: Dims): TensorInfo {
  const bT = tB ? b : transposeInfo(backend, view(b, [bBatch, k, n]), [0, 2, 1]); // [batch, n, k]
  const aT = tA ? a : transposeInfo(backend, view(a, [m, k]), [1, 0]); // [k, m]
  const outT = xnnProduct(backend, view(bT, [bBatch * n, k]), view(aT, [k, m])); // [batch·n, m]
  const out = transposeInfo(backend, view(outT, [bBatch, n, m]), [0, 2, 1]);
  disposeInfos(backend, outT);
  if (!tB) disposeInfos(backend, bT);
  if (!tA) disposeInfos(backend, aT);
  return out;
}

/** `[batch, m, k] × [batch, k, n]`: one XNNPACK product per slice (each right slice must be its own tensor: XNNPACK caches packed weights by tensor id). */
function perSlice(backend: BackendWasm, a: TensorInfo, b: TensorInfo, tA: boolean, tB: boolean, { aBatch, m, k, n }: Dims): TensorInfo {
  const aN = tA ? transposeInfo(backend, view(a, [aBatch, k, m]), [0, 2, 1]) : a; // [batch, m, k]
  const bN = tB ? transposeInfo(backend, view(b, [aBatch, n, k]), [0, 2, 1]) : b; // [batch, k, n]
  const out = backend.makeOutput([aBatch, m, n], 'float32');
  const aSlice = backend.makeOutput([m, k], 'float32');
  for (let i = 0; i < aBatch; i++) {
    const bSlice = backend.makeOutput([k, n], 'float32');
    f32(backend, aSlice).set(f32(backend, aN).subarray(i * m * k, (i + 1) * m * k));
    f32(backend, bSlice).set(f32(backend, bN).subarray(i * k * n, (i + 1) * k * n));
    const product = xnnProduct(backend, aSlice, bSlice);
    f32(backend, out).set(f32(backend, product), i * m * n);
    disposeInfos(backend, bSlice, product);
  }
  disposeInfos(backend, aSlice);
  if (tA) disposeInfos(backend, aN);
  if (tB) disposeInfos(backend, bN);
  return out;
}

/** `[rows, k] × [k, n]` through the stock kernel's XNNPACK branch (batch 1, no transposes). */
function xnnProduct(backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo {
  const [rows, k] = a.shape as [number, number];
  const n = b.shape[1]!;
  return runStock(backend, view(a, [1, rows, k]), view(b, [1, k, n]), false, false);
}

function runStock(backend: BackendWasm, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo {
  if (stock === null) throw new Error('batchMatMulConfig() was not called');
  return stock.kernelFunc({ inputs: { a, b }, backend, attrs: { transposeA, transposeB } }) as TensorInfo;
}
