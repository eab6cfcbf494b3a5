import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, FormatError } from '../errors.js';
import { Rng } from '../random.js';
import { tf } from '../tf.js';
import { expectNoLeaks } from '../testing/index.js';
import { latestCheckpoint, loadCheckpoint, loadCheckpointWeights, saveCheckpoint } from './checkpoint.js';
import type { Checkpoint } from './checkpoint.js';
import { openSafetensors, writeSafetensorsFile } from './safetensors-file.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwork-checkpoint-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const vitSmall = { name: 'vit', config: { img_size: 32, patch_size: 8, depth: 2, heads: 3, qkv_bias: true } };

function makeCheckpoint(step: number): Checkpoint {
  const rng = new Rng(step + 1);
  return {
    model: vitSmall,
    weights: {
      'head.weight': rng.normal([10, 48]),
      'head.bias': rng.normal([10]),
      'bn.num_batches_tracked': tf.scalar(step, 'int32'),
    },
    optimizer: {
      name: 'adamw',
      state: { 'head.weight/m': rng.normal([10, 48]), 'head.weight/v': rng.uniform([10, 48]), step: tf.scalar(step, 'int32') },
      hyper: { lr: 1e-3, betas: [0.9, 0.999], weight_decay: 0.05 },
    },
    step,
    rng: rng.getState(),
    extra: { epoch: 1, note: 'ok' },
  };
}

function disposeCheckpoint(c: Checkpoint): void {
  tf.dispose([...Object.values(c.weights), ...Object.values(c.optimizer?.state ?? {})]);
}

function expectSameTensors(actual: Record<string, tf.Tensor>, expected: Record<string, tf.Tensor>): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, t] of Object.entries(expected)) {
    expect(actual[name]!.dtype, name).toBe(t.dtype);
    expect(actual[name]!.shape, name).toEqual(t.shape);
    expect(Array.from(actual[name]!.dataSync()), name).toEqual(Array.from(t.dataSync()));
  }
}

describe('checkpoints', () => {
  it('round-trips weights, optimizer state and hyper-parameters, step, rng and extra through one file', async () => {
    const file = path.join(root, 'single.safetensors');
    const saved = makeCheckpoint(42);
    expect(saveCheckpoint(file, saved)).toBe(file);
    const loaded = await expectNoLeaks(() => loadCheckpoint(file, { expectModel: vitSmall }), 6);
    expect(loaded.path).toBe(file);
    expect(loaded.model).toEqual(vitSmall);
    expect(loaded.step).toBe(42);
    expect(loaded.rng).toEqual(saved.rng);
    expect(loaded.extra).toEqual({ epoch: 1, note: 'ok' });
    expect(loaded.optimizer?.name).toBe('adamw');
    expect(loaded.optimizer?.hyper).toEqual(saved.optimizer!.hyper);
    expectSameTensors(loaded.weights, saved.weights);
    expectSameTensors(loaded.optimizer!.state, saved.optimizer!.state);
    // The restored generator continues the saved stream exactly.
    expect(new Rng(loaded.rng!).next()).toBe(new Rng(saved.rng!).next());
    await expectNoLeaks(() => loaded.dispose(), -6);
    disposeCheckpoint(saved);
  });

  it('documents its layout in the file: prefixed tensor names and JSON metadata', () => {
    const file = path.join(root, 'layout.safetensors');
    const saved = makeCheckpoint(3);
    saveCheckpoint(file, saved);
    const st = openSafetensors(file);
    expect(st.keys()).toEqual([
      'optimizer/head.weight/m',
      'optimizer/head.weight/v',
      'optimizer/step',
      'weights/bn.num_batches_tracked',
      'weights/head.bias',
      'weights/head.weight',
    ]);
    expect(st.metadata.format).toBe('patchwork-checkpoint');
    expect(st.metadata.version).toBe('1');
    expect(JSON.parse(st.metadata.model!)).toEqual(vitSmall);
    expect(st.metadata.step).toBe('3');
    st.close();
    disposeCheckpoint(saved);
  });

  it('saves into a directory with a latest pointer, keeps the newest files, and loads the latest', async () => {
    const dir = path.join(root, 'run');
    expect(latestCheckpoint(dir)).toBeNull();
    for (const step of [10, 20, 30]) {
      const c = makeCheckpoint(step);
      saveCheckpoint(dir, c, { keep: 2 });
      disposeCheckpoint(c);
    }
    expect(fs.readdirSync(dir).sort()).toEqual(['latest', 'step-000000020.safetensors', 'step-000000030.safetensors']);
    expect(latestCheckpoint(dir)).toBe(path.join(dir, 'step-000000030.safetensors'));
    const loaded = await expectNoLeaks(() => loadCheckpoint(dir), 6);
    expect(loaded.step).toBe(30);
    // Straight into a model: the weights it was given, the step, nothing left alive, foreign models refused.
    let got: Record<string, number[]> = {};
    const model = { loadStateDict: (w: Record<string, tf.Tensor>) => (got = Object.fromEntries(Object.entries(w).map(([k, t]) => [k, Array.from(t.dataSync())]))) };
    expect(await expectNoLeaks(() => loadCheckpointWeights(dir, model, { expectModel: vitSmall }))).toBe(30);
    expect(got['head.bias']).toEqual(Array.from(loaded.weights['head.bias']!.dataSync()));
    expect(Object.keys(got).sort()).toEqual(['bn.num_batches_tracked', 'head.bias', 'head.weight']);
    loaded.dispose();
    expect(() => loadCheckpointWeights(dir, model, { expectModel: { name: 'mae', config: {} } })).toThrow(/mae/);
    const failing = { loadStateDict: () => { throw new Error('shape mismatch'); } };
    await expectNoLeaks(() => expect(() => loadCheckpointWeights(dir, failing)).toThrow('shape mismatch'));
  });

  it('keeps the last good checkpoint when a save fails midway', () => {
    const dir = path.join(root, 'crash');
    const good = makeCheckpoint(1);
    saveCheckpoint(dir, good);
    const next = makeCheckpoint(2);
    const realWrite = fs.writeSync;
    let calls = 0;
    vi.spyOn(fs, 'writeSync').mockImplementation(((...args: Parameters<typeof fs.writeSync>) => {
      if (++calls === 3) throw new Error('killed');
      return (realWrite as (...a: unknown[]) => number)(...args);
    }) as typeof fs.writeSync);
    expect(() => saveCheckpoint(dir, next)).toThrow(/killed/);
    vi.restoreAllMocks();
    expect(fs.readdirSync(dir).sort()).toEqual(['latest', 'step-000000001.safetensors']);
    const loaded = loadCheckpoint(dir);
    expect(loaded.step).toBe(1);
    loaded.dispose();
    disposeCheckpoint(good);
    disposeCheckpoint(next);
  });

  it('refuses a checkpoint of another model, naming both and the differing config keys', () => {
    const file = path.join(root, 'vit.safetensors');
    const saved = makeCheckpoint(5);
    saveCheckpoint(file, saved);
    disposeCheckpoint(saved);
    const before = tf.memory().numTensors;
    expect(() => loadCheckpoint(file, { expectModel: { name: 'mae', config: { img_size: 32, depth: 2 } } })).toThrow(
      expect.objectContaining({
        code: 'E_CHECKPOINT',
        message: expect.stringContaining(`checkpoint ${file} is of model 'vit' (config {"img_size":32,"patch_size":8,"depth":2,"heads":3,"qkv_bias":true}) but expected 'mae'`),
      }),
    );
    let message = '';
    try {
      loadCheckpoint(file, { expectModel: { name: 'vit', config: { ...vitSmall.config, depth: 12, qkv_bias: undefined, mlp_ratio: 4 } } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain("is of model 'vit'");
    expect(message).toContain("but expected 'vit'");
    expect(message).toContain(
      [
        'differing config keys:',
        '  - depth: 2 in the checkpoint, 12 expected',
        '  - mlp_ratio: not in the checkpoint, 4 expected',
        '  - qkv_bias: true in the checkpoint, not in the expected config',
      ].join('\n'),
    );
    // Refused before any tensor was read.
    expect(tf.memory().numTensors).toBe(before);
    // Key order and unset optional fields do not count as differences.
    const reordered = { name: 'vit', config: { qkv_bias: true, heads: 3, depth: 2, patch_size: 8, img_size: 32, dropout: undefined } };
    const ok = loadCheckpoint(file, { expectModel: reordered });
    ok.dispose();
  });

  it('validates what is saved', () => {
    const c = makeCheckpoint(1);
    const file = path.join(root, 'invalid.safetensors');
    expect(() => saveCheckpoint(file, { ...c, step: -1 })).toThrow(ConfigError);
    expect(() => saveCheckpoint(file, { ...c, step: 1.5 })).toThrow(/step/);
    expect(() => saveCheckpoint(file, { ...c, model: { name: 'vit', config: { f: () => 1 } } })).toThrow(/model\.config/);
    expect(() => saveCheckpoint(file, { ...c, rng: [0, 0, 0, 0] })).toThrow(/Rng state must not be all zero/);
    expect(() => saveCheckpoint(file, c, { keep: 2 })).toThrow(/directory target/);
    expect(fs.existsSync(file)).toBe(false);
    disposeCheckpoint(c);
  });

  it('gives clear errors for truncated, corrupt, foreign and missing checkpoints', () => {
    const file = path.join(root, 'good.safetensors');
    const c = makeCheckpoint(7);
    saveCheckpoint(file, c);
    disposeCheckpoint(c);
    const bytes = fs.readFileSync(file);

    const truncated = path.join(root, 'truncated.safetensors');
    fs.writeFileSync(truncated, bytes.subarray(0, bytes.length - 100));
    expect(() => loadCheckpoint(truncated)).toThrow(FormatError);
    expect(() => loadCheckpoint(truncated)).toThrow(new RegExp(`^${truncated}: tensor '.*': data ends at byte \\d+ .*truncated file`));

    const corrupt = path.join(root, 'corrupt.safetensors');
    fs.writeFileSync(corrupt, Buffer.concat([bytes.subarray(0, 8), Buffer.from('garbage'), bytes.subarray(15)]));
    expect(() => loadCheckpoint(corrupt)).toThrow(`${corrupt}: header is not valid UTF-8 JSON`);

    const plain = path.join(root, 'plain.safetensors');
    const w = tf.ones([2]);
    writeSafetensorsFile(plain, { w }, { format: 'pt' });
    w.dispose();
    expect(() => loadCheckpoint(plain)).toThrow(`${plain} is not a Patchwork checkpoint (its metadata has format 'pt', expected 'patchwork-checkpoint')`);

    expect(() => loadCheckpoint(path.join(root, 'nope'))).toThrow(expect.objectContaining({ code: 'E_FILE' }));
    const empty = path.join(root, 'empty-dir');
    fs.mkdirSync(empty);
    expect(() => loadCheckpoint(empty)).toThrow(expect.objectContaining({ code: 'E_CHECKPOINT', message: `${empty} holds no checkpoint (it has no 'latest' file)` }));
    fs.writeFileSync(path.join(empty, 'latest'), '../elsewhere.safetensors\n');
    expect(() => loadCheckpoint(empty)).toThrow(/expected the name of a \.safetensors file in the same directory/);
  });
});
