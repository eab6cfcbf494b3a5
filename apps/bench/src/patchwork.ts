// The Patchwork side of a workload: the real @patchwork/* models, built from a WorkloadSpec.
import { AdamW, GradAccumulator, countMacs, trainStep } from '@patchwork/layers';
import { MaskedAutoencoderViT } from '@patchwork/mae';
import { MobileNetV2 } from '@patchwork/mobilenetv2';
import { PatchworkError, Rng, tf } from '@patchwork/tensor-core';
import { VisionTransformer } from '@patchwork/vit';
import type { LeakResult, ProfileSummary } from './schema.js';
import type { WorkloadSpec } from './workloads.js';

/** A built workload: `run()` is one timed iteration (synchronous: wasm kernels block until done). */
export interface PatchworkWorkload {
  /** Trainable parameters (0 for GEMM). */
  readonly params: number;
  /** FLOPs of one iteration: 2n³ for GEMM, 2 × forward MACs for inference, 3 × that for training. */
  readonly flopsPerIter: number;
  /** One iteration; returns its wall time in ms. */
  run(): number;
  /** Training workloads only: live tensors after `steps[0]` and `steps[1]` further steps. */
  leakCheck(steps: [number, number]): LeakResult;
  /** One iteration under `tf.profile`: the `top` kernels and kernel calls by time. */
  profile(top: number): Promise<ProfileSummary>;
  /** Free the model, optimizer state and inputs. */
  dispose(): void;
}

interface Built {
  step: () => void;
  training: boolean;
  params: number;
  flopsPerIter: number;
  tensors: tf.Tensor[];
  dispose: () => void;
}

/** Build the Patchwork side of `spec` (weights and inputs drawn from a fixed seed). */
export async function createPatchworkWorkload(spec: WorkloadSpec): Promise<PatchworkWorkload> {
  const built = await build(spec, new Rng(0));
  return {
    params: built.params,
    flopsPerIter: built.flopsPerIter,
    run: () => {
      const start = performance.now();
      built.step();
      return performance.now() - start;
    },
    leakCheck: ([a, b]) => {
      if (!built.training) throw new PatchworkError('E_ARGUMENT', `${spec.id} is not a training workload; the leak check runs training steps`);
      const numTensors: number[] = [];
      for (let step = 1; step <= b; step++) {
        built.step();
        if (step === a || step === b) numTensors.push(tf.memory().numTensors);
      }
      const [atA, atB] = numTensors as [number, number];
      return { steps: [a, b], numTensors: [atA, atB], ok: atA === atB };
    },
    profile: (top) => profileStep(built.step, top),
    dispose: () => {
      built.dispose();
      tf.dispose(built.tensors);
    },
  };
}

async function build(spec: WorkloadSpec, rng: Rng): Promise<Built> {
  const c = spec.config;
  const need = (key: string): number => {
    const v = c[key];
    if (v === undefined) throw new PatchworkError('E_ARGUMENT', `workload ${spec.id}: config.${key} is missing`);
    return v;
  };
  if (spec.kind === 'gemm') {
    const n = need('n');
    const a = rng.normal([n, n]);
    const b = rng.normal([n, n]);
    const step = (): void => {
      const out = tf.matMul(a, b);
      out.dataSync();
      out.dispose();
    };
    return { step, training: false, params: 0, flopsPerIter: 2 * n ** 3, tensors: [a, b], dispose: () => {} };
  }

  const size = need('imgSize');
  const chans = need('inChans');
  const x = rng.normal([spec.batch, size, size, chans]);
  let model: VisionTransformer | MobileNetV2 | MaskedAutoencoderViT;
  if (spec.kind === 'vit-train' || spec.kind === 'vit-infer') {
    const keys = ['imgSize', 'patchSize', 'inChans', 'numClasses', 'embedDim', 'depth', 'numHeads', 'mlpRatio'] as const;
    model = new VisionTransformer(Object.fromEntries(keys.map((k) => [k, need(k)])), { rng });
  } else if (spec.kind === 'mnv2-train' || spec.kind === 'mnv2-infer') {
    const stemStride = need('stemStride');
    if (stemStride !== 1 && stemStride !== 2) throw new PatchworkError('E_ARGUMENT', `workload ${spec.id}: stemStride must be 1 or 2`);
    model = new MobileNetV2({ widthMult: need('widthMult'), numClasses: need('numClasses'), stemStride, dropout: need('dropout'), inChans: chans }, { rng });
  } else {
    const keys = ['imgSize', 'patchSize', 'inChans', 'embedDim', 'depth', 'numHeads', 'decoderEmbedDim', 'decoderDepth', 'decoderNumHeads', 'mlpRatio'] as const;
    model = new MaskedAutoencoderViT(Object.fromEntries(keys.map((k) => [k, need(k)])), { rng });
  }

  const training = spec.kind.endsWith('-train');
  const macsPerImage = await forwardMacsPerImage(model, spec, rng);
  const flopsPerIter = 2 * macsPerImage * spec.batch * (training ? 3 : 1);
  const params = model.numParameters();
  if (!training) {
    model.eval();
    const step = (): void => {
      const y = (model as VisionTransformer | MobileNetV2).forward(x);
      y.dataSync();
      y.dispose();
    };
    return { step, training, params, flopsPerIter, tensors: [x], dispose: () => model.dispose() };
  }

  model.train();
  const micro = spec.microBatch ?? spec.batch;
  if (!Number.isInteger(spec.batch / micro)) throw new PatchworkError('E_ARGUMENT', `workload ${spec.id}: microBatch ${micro} does not divide batch ${spec.batch}`);
  const chunks = spec.batch / micro;
  const xs = chunks === 1 ? [x] : tf.split(x, chunks, 0);
  const tensors: tf.Tensor[] = chunks === 1 ? [x] : [x, ...xs];
  let lossFn: (chunk: number) => tf.Scalar;
  let optimizer: AdamW;
  if (model instanceof MaskedAutoencoderViT) {
    const mae = model;
    const maskRatio = spec.maskRatio ?? 0.75;
    optimizer = new AdamW(mae, { betas: [0.9, 0.95] });
    lossFn = (i) => mae.forward(xs[i]!, { maskRatio }).loss;
  } else {
    const classifier = model;
    const classes = need('numClasses');
    const labels = tf.tensor1d(
      Array.from({ length: spec.batch }, (_, i) => i % classes),
      'int32',
    );
    const y = tf.oneHot(labels, classes);
    labels.dispose();
    const ys = chunks === 1 ? [y] : tf.split(y, chunks, 0);
    tensors.push(...(chunks === 1 ? [y] : [y, ...ys]));
    optimizer = new AdamW(classifier);
    lossFn = (i) => tf.losses.softmaxCrossEntropy(ys[i]!, classifier.forward(xs[i]!)) as tf.Scalar;
  }
  const accumulate = chunks === 1 ? undefined : new GradAccumulator(chunks);
  const step = (): void => {
    for (let i = 0; i < chunks; i++) trainStep({ module: model, optimizer, lossFn: () => lossFn(i), accumulate });
  };
  return {
    step,
    training,
    params,
    flopsPerIter,
    tensors,
    dispose: () => {
      accumulate?.dispose();
      optimizer.dispose();
      model.dispose();
    },
  };
}

/** Forward multiply-accumulates of one image, counted by `countMacs` in eval mode (batch-1 BN statistics are undefined). */
async function forwardMacsPerImage(model: VisionTransformer | MobileNetV2 | MaskedAutoencoderViT, spec: WorkloadSpec, rng: Rng): Promise<number> {
  const size = spec.config.imgSize!;
  const one = rng.normal([1, size, size, spec.config.inChans!]);
  const wasTraining = model.training;
  model.eval();
  try {
    // MAE's forward returns the loss with the masking tensors; countMacs disposes all of them.
    const forward = model instanceof MaskedAutoencoderViT ? () => ({ ...model.forward(one, { maskRatio: spec.maskRatio ?? 0.75 }) }) : () => model.forward(one);
    return (await countMacs(forward)).total;
  } finally {
    model.train(wasTraining);
    one.dispose();
  }
}

async function profileStep(step: () => void, top: number): Promise<ProfileSummary> {
  const start = performance.now();
  const info = await tf.profile(() => step());
  const wallMs = performance.now() - start;
  const byKernel = new Map<string, { ms: number; calls: number }>();
  const byCall = new Map<string, { kernel: string; shapes: string; ms: number; calls: number }>();
  let kernelMs = 0;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    kernelMs += ms;
    const kernel = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    kernel.ms += ms;
    kernel.calls += 1;
    byKernel.set(k.name, kernel);
    const shapes = `${k.inputShapes.map((s) => `[${s?.join(',') ?? ''}]`).join('×')}→[${k.outputShapes[0]?.join(',') ?? ''}]`;
    const key = `${k.name} ${shapes}`;
    const call = byCall.get(key) ?? { kernel: k.name, shapes, ms: 0, calls: 0 };
    call.ms += ms;
    call.calls += 1;
    byCall.set(key, call);
  }
  const share = (ms: number): number => (kernelMs > 0 ? ms / kernelMs : 0);
  return {
    wallMs,
    kernelMs,
    byKernel: [...byKernel]
      .map(([kernel, v]) => ({ kernel, ms: v.ms, share: share(v.ms), calls: v.calls }))
      .sort((p, q) => q.ms - p.ms)
      .slice(0, top),
    byCall: [...byCall.values()]
      .map((v) => ({ ...v, share: share(v.ms) }))
      .sort((p, q) => q.ms - p.ms)
      .slice(0, top),
  };
}
