import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng, tf } from '@patchwork/tensor-core';
import { AdamW, Linear } from '@patchwork/layers';
import { describe, expect, it } from 'vitest';
import { fit } from './fit.js';

// y = x·w* on fixed data; batch k uses rows chosen from step k only, so resumed runs see the same data.
const W_TRUE = [1.5, -2, 0.5];
function data(n: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const rng = new Rng(1);
  const xs = rng.normalArray(n * 3);
  const ys = Float32Array.from({ length: n }, (_, i) => W_TRUE.reduce((s, w, j) => s + w * xs[i * 3 + j]!, 0));
  return { x: tf.tensor2d(xs, [n, 3]), y: tf.tensor2d(ys, [n, 1]) };
}

function setup(dir: string | undefined, seed = 0) {
  const rng = new Rng(seed);
  const model = new Linear(3, 1, { rng });
  const optimizer = new AdamW(model, { lr: 0.05, weightDecay: 0 });
  const { x, y } = data(64);
  const batches = function* (start: number) {
    for (let s = start; ; s++) {
      const batch = tf.tidy(() => {
        const idx = tf.tensor1d(new Rng(100 + s).permutation(64).subarray(0, 16), 'int32');
        return { x: tf.gather(x, idx), y: tf.gather(y, idx) };
      });
      yield batch;
    }
  };
  const run = (steps: number) =>
    fit({
      modelName: 'linear',
      modelConfig: { in: 3, out: 1 },
      model,
      optimizer,
      steps,
      batches,
      loss: (b) => tf.losses.meanSquaredError(b.y, model.forward(b.x)) as tf.Scalar,
      disposeBatch: (b) => tf.dispose([b.x, b.y]),
      runDir: dir,
      checkpointEvery: 5,
      progress: false,
      rng,
    });
  const cleanup = () => {
    tf.dispose([x, y]);
    model.dispose();
    optimizer.dispose();
  };
  return { model, run, cleanup };
}

describe('fit', () => {
  it('drives the loss down without leaking tensors', async () => {
    const { run, cleanup } = setup(undefined);
    await run(1); // the optimizer allocates its moments on the first step
    const before = tf.memory().numTensors;
    const r = await run(60);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.losses.at(-1)!).toBeLessThan(r.losses[0]! / 20);
    cleanup();
  });

  it('resumes from the latest checkpoint exactly where an uninterrupted run would be', async () => {
    const dirA = fs.mkdtempSync(path.join(os.tmpdir(), 'fit-a-'));
    const dirB = fs.mkdtempSync(path.join(os.tmpdir(), 'fit-b-'));
    const a = setup(dirA);
    await a.run(20);
    const straight = Array.from(a.model.weight.dataSync());
    a.cleanup();

    const b1 = setup(dirB);
    await b1.run(10); // "killed" after step 10
    b1.cleanup();
    const b2 = setup(dirB, 999); // fresh process, different init: must be overwritten by the checkpoint
    const r = await b2.run(20);
    expect(r.startStep).toBe(10);
    expect(Array.from(b2.model.weight.dataSync())).toEqual(straight);
    const steps = fs.readFileSync(path.join(dirB, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
    expect(steps).toEqual([...Array(20).keys()].map((i) => i + 1));
    b2.cleanup();
  });

  it('refuses to resume a checkpoint of another model', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fit-c-'));
    const a = setup(dir);
    await a.run(5);
    a.cleanup();
    const model = new Linear(3, 1);
    const optimizer = new AdamW(model, { lr: 0.1 });
    await expect(
      fit({ modelName: 'other', modelConfig: {}, model, optimizer, steps: 6, batches: () => [][Symbol.iterator](), loss: () => tf.scalar(0), runDir: dir, progress: false }),
    ).rejects.toThrow(/linear/);
    model.dispose();
    optimizer.dispose();
  });
});
