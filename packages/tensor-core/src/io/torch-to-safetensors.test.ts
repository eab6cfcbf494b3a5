// End-to-end check of tooling/scripts/torch-to-safetensors.py against real PyTorch files. Needs
// Debian's python3-torch at /usr/bin/python3 (not a pyenv python); skipped without it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tf } from '../tf.js';
import { expectNoLeaks, findWorkspaceRoot } from '../testing/index.js';
import { loadSafetensorsFile } from './safetensors-file.js';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
const skipReason =
  probe.error !== undefined
    ? `${PYTHON} not found: install Debian's python3-torch to run the PyTorch conversion test`
    : probe.status !== 0
      ? `${PYTHON} cannot import torch (install python3-torch): ${probe.stderr.trim().split('\n').at(-1)}`
      : null;

const script = path.join(findWorkspaceRoot()!, 'tooling', 'scripts', 'torch-to-safetensors.py');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwork-torch-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// Builds Linear + Conv + BN (one train-mode step so running stats and num_batches_tracked are set),
// saves it as an MAE-style {'model': state_dict} with DataParallel 'module.' names, and writes the
// expected values (also rounded to bf16 by torch itself) as JSON.
const MAKE_CHECKPOINT = `
import json, sys, torch
torch.manual_seed(0)
net = torch.nn.ModuleDict({'fc': torch.nn.Linear(3, 4), 'conv': torch.nn.Conv2d(2, 3, 3), 'bn': torch.nn.BatchNorm2d(3)})
net.train()
net['bn'](net['conv'](torch.randn(2, 2, 5, 5)))
sd = net.state_dict()
torch.save({'model': {'module.' + k: v for k, v in sd.items()}, 'epoch': 3}, sys.argv[1])
def entry(v):
    out = {'dtype': str(v.dtype), 'shape': list(v.shape), 'values': v.flatten().tolist()}
    if v.is_floating_point():
        out['bf16'] = v.to(torch.bfloat16).float().flatten().tolist()
    return out
json.dump({k: entry(v) for k, v in sd.items()}, open(sys.argv[2], 'w'))
`;

interface Expected {
  dtype: string;
  shape: number[];
  values: number[];
  bf16?: number[];
}

function run(args: string[]): void {
  const r = spawnSync(PYTHON, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${PYTHON} ${args.join(' ')} failed:\n${r.stderr}`);
}

describe('torch-to-safetensors.py', () => {
  it('converts a nested PyTorch checkpoint (Linear, Conv, BN with int64 num_batches_tracked)', async (ctx) => {
    if (skipReason !== null) ctx.skip(skipReason);
    const pth = path.join(dir, 'ckpt.pth');
    const expectedJson = path.join(dir, 'expected.json');
    run(['-c', MAKE_CHECKPOINT, pth, expectedJson]);
    const expected = JSON.parse(fs.readFileSync(expectedJson, 'utf8')) as Record<string, Expected>;

    const f32 = path.join(dir, 'f32.safetensors');
    run([script, pth, f32, '--key', 'model', '--strip-prefix', 'module.']);
    const { tensors, metadata } = await expectNoLeaks(() => loadSafetensorsFile(f32), Object.keys(expected).length);
    expect(metadata).toEqual({ format: 'pt', source: 'ckpt.pth', source_key: 'model' });
    expect(Object.keys(tensors)).toEqual(Object.keys(expected).sort());
    for (const [name, e] of Object.entries(expected)) {
      const t = tensors[name]!;
      expect(t.shape, name).toEqual(e.shape);
      expect(t.dtype, name).toBe(e.dtype === 'torch.int64' ? 'int32' : 'float32');
      // float32 → JSON double → float32 is exact, so the comparison can be too.
      expect(Array.from(t.dataSync()), name).toEqual(Array.from(Float32Array.from(e.values)));
    }
    expect(tensors['bn.num_batches_tracked']!.shape).toEqual([]);
    expect(tensors['bn.num_batches_tracked']!.dataSync()[0]).toBe(1);
    tf.dispose(Object.values(tensors));

    const bf16 = path.join(dir, 'bf16.safetensors');
    run([script, pth, bf16, '--key', 'model', '--strip-prefix', 'module.', '--dtype', 'bf16']);
    const half = loadSafetensorsFile(bf16).tensors;
    for (const [name, e] of Object.entries(expected)) {
      expect(Array.from(half[name]!.dataSync()), name).toEqual(e.bf16 ?? e.values);
    }
    tf.dispose(Object.values(half));
  });

  it('finds a state dict under a common key and explains when it cannot', (ctx) => {
    if (skipReason !== null) ctx.skip(skipReason);
    const pth = path.join(dir, 'ambiguous.pth');
    run(['-c', 'import sys, torch; torch.save({"state_dict": {"w": torch.ones(2)}, "ema": {"w": torch.zeros(2)}, "x": 1}, sys.argv[1])', pth]);
    const out = path.join(dir, 'auto.safetensors');
    run([script, pth, out]);
    const { tensors, metadata } = loadSafetensorsFile(out);
    expect(metadata.source_key).toBe('state_dict');
    expect(Array.from(tensors.w!.dataSync())).toEqual([1, 1]);
    tf.dispose(Object.values(tensors));

    const bad = spawnSync(PYTHON, [script, pth, out, '--key', 'model'], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("--key model: no 'model' in {'state_dict': dict, 'ema': dict, 'x': int}");
  });
});
