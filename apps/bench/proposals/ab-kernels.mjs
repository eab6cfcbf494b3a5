// Evidence for proposals/README.md §1–§3: three userland fixes for tfjs-backend-wasm / tfjs-core,
// A/B-timed on real Patchwork training steps. Stock and patched kernels alternate step by step in
// one process (tfjs looks kernels up on every call), so drifting machine load hits both alike.
// Not part of the app; run after `pnpm --filter @patchwork/app-bench build`:
//   node apps/bench/proposals/ab-kernels.mjs [rounds=4]
import { MaskedAutoencoderViT } from '@patchwork/mae';
import { Rng, initBackend, tf } from '@patchwork/tensor-core';
import { VisionTransformer } from '@patchwork/vit';
import { createPatchworkWorkload } from '../dist/patchwork.js';
import { workloadSpecs } from '../dist/workloads.js';

// §1 Identity. tfjs-core saves every tensor a gradient needs through engine.clone() → Identity,
// and wasm's Identity copies the buffer (cpu/webgl share it). Share it, as wasm's Reshape does.
const identityConfig = {
  kernelName: 'Identity',
  backendName: 'wasm',
  kernelFunc: ({ inputs: { x }, backend }) => {
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  },
};

// §2 Slice / SplitV. Stock wasm Slice starts with backend.readSync(x) = a copy of the whole input,
// however small the slice; SplitV calls it once per part. Read through a heap view instead.
function sliceView(x, begin, size, backend) {
  const out = backend.makeOutput(size, x.dtype);
  const src = backend.typedArrayFromHeap(x); // after makeOutput: allocation may grow the heap
  const dst = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  const strides = tf.util.computeStrides(x.shape);
  const inner = size[rank - 1] ?? 1;
  const rows = tf.util.sizeFromShape(size.slice(0, -1));
  const idx = new Array(Math.max(rank - 1, 0)).fill(0);
  for (let r = 0; r < rows; r++) {
    let off = begin[rank - 1] ?? 0;
    for (let d = 0; d < rank - 1; d++) off += (begin[d] + idx[d]) * strides[d];
    dst.set(src.subarray(off, off + inner), r * inner);
    for (let d = rank - 2; d >= 0; d--) {
      if (++idx[d] < size[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}
const stockSlice = tf.getKernel('Slice', 'wasm');
const stockSplitV = tf.getKernel('SplitV', 'wasm');
const sliceConfig = {
  kernelName: 'Slice',
  backendName: 'wasm',
  kernelFunc: (args) => {
    const { inputs: { x }, attrs, backend } = args;
    if (x.dtype === 'string') return stockSlice.kernelFunc(args);
    const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin, attrs.size);
    return sliceView(x, begin, size, backend);
  },
};
const splitVConfig = {
  kernelName: 'SplitV',
  backendName: 'wasm',
  kernelFunc: (args) => {
    const { inputs: { x }, attrs: { numOrSizeSplits, axis }, backend } = args;
    if (x.dtype === 'string') return stockSplitV.kernelFunc(args);
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const begin = new Array(x.shape.length).fill(0);
    return tf.backend_util.prepareSplitSize(x, numOrSizeSplits, ax).map((s) => {
      const size = [...x.shape];
      size[ax] = s;
      const part = sliceView(x, begin, size, backend);
      begin[ax] += s;
      return part;
    });
  },
};

// §3 Tile gradient. tfjs-core's loops over every repetition (one Slice + one Add each: 1,176 pairs
// for MAE's mask tokens at batch 8). The same sum as one Reshape + one Sum.
const tileGradConfig = {
  kernelName: 'Tile',
  inputsToSave: ['x'],
  gradFunc: (dy, [x], { reps }) => ({
    x: () => {
      const shape = x.shape.flatMap((s, i) => [reps[i], s]);
      return tf.sum(tf.reshape(dy, shape), x.shape.map((_, i) => 2 * i));
    },
  }),
};

const stock = ['Identity', 'Slice', 'SplitV'].map((name) => tf.getKernel(name, 'wasm'));
const stockTileGrad = tf.getGradient('Tile');
function use(patched) {
  for (const config of patched ? [identityConfig, sliceConfig, splitVConfig] : stock) {
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  tf.registerGradient(patched ? tileGradConfig : stockTileGrad);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function main() {
  const info = await initBackend();
  const rounds = Number(process.argv[2] ?? 4);
  console.log(`backend ${info.name}, ${info.threads} threads; ${rounds} alternating rounds after one warm-up each`);

  // Same loss and gradients either way: small ViT and MAE (Identity, SplitV, Slice, Tile with reps > 1).
  const vit = new VisionTransformer({ imgSize: 16, patchSize: 4, embedDim: 32, depth: 2, numHeads: 2, numClasses: 3 }, { rng: new Rng(1) });
  const mae = new MaskedAutoencoderViT({ imgSize: 16, patchSize: 4, embedDim: 32, depth: 1, numHeads: 2, decoderEmbedDim: 16, decoderDepth: 1, decoderNumHeads: 2 }, { rng: new Rng(1) });
  const x = new Rng(2).normal([4, 16, 16, 3]);
  const noise = new Rng(3).uniform([4, 16]);
  for (const [name, model, loss] of [
    ['vit', vit, () => tf.sum(tf.square(vit.forward(x)))],
    ['mae', mae, () => mae.forward(x, { noise }).loss],
  ]) {
    const grads = (patched) => {
      use(patched);
      const { value, grads } = tf.variableGrads(loss, model.parameters());
      return [value, ...Object.values(grads)];
    };
    const [a, b] = [grads(false), grads(true)];
    const diff = Math.max(...a.map((t, i) => tf.tidy(() => tf.max(tf.abs(tf.sub(t, b[i]))).dataSync()[0])));
    console.log(`${name}: loss and ${a.length - 1} gradients, max |stock − patched| = ${diff}`);
    if (!(diff <= 1e-6)) throw new Error(`${name}: patched kernels change the result`);
    tf.dispose([...a, ...b]);
  }
  tf.dispose([vit, mae, x, noise].flatMap((t) => (t instanceof tf.Tensor ? [t] : [])));
  vit.dispose();
  mae.dispose();

  const full = workloadSpecs('full');
  const cases = [
    full.find((s) => s.id === 'vit-ti-train'),
    full.find((s) => s.id === 'mnv2-0.5-train'),
    // MAE-Base widths, 224 px, batch 8 in one piece, one encoder and one decoder block (fits in the heap).
    { ...full.find((s) => s.id === 'mae-base-train'), batch: 8, microBatch: undefined, config: { ...full.find((s) => s.id === 'mae-base-train').config, depth: 1, decoderDepth: 1 } },
  ];
  for (const spec of cases) {
    use(false);
    const w = await createPatchworkWorkload(spec);
    const times = { stock: [], patched: [] };
    for (const patched of [false, true]) {
      use(patched);
      w.run();
    }
    for (let i = 0; i < rounds; i++) {
      for (const patched of i % 2 === 0 ? [false, true] : [true, false]) {
        use(patched);
        times[patched ? 'patched' : 'stock'].push(w.run());
      }
    }
    w.dispose();
    const s = median(times.stock);
    const p = median(times.patched);
    console.log(`${spec.id}${spec.config.depth === 1 ? ' (1+1 blocks)' : ''}: stock ${s.toFixed(0)} ms, patched ${p.toFixed(0)} ms → ${(s / p).toFixed(2)}× (${JSON.stringify(times)})`);
  }
}

await main();
process.exit(0);
