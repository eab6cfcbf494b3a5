import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '@patchwork/tensor-core';
import { fixtureCaseDirs } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { runParity } from '../run.js';
import { flowmoAdapter } from './flowmo.js';

/** A copy of a shipped case with case.json edited. */
function editedCase(name: string, edit: (json: Record<string, unknown>) => Record<string, unknown>): string {
  const shipped = fixtureCaseDirs('flowmo').find((d) => path.basename(d) === name)!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowmo-parity-'));
  for (const f of ['weights.safetensors', 'io.safetensors']) fs.copyFileSync(path.join(shipped, f), path.join(dir, f));
  const json = JSON.parse(fs.readFileSync(path.join(shipped, 'case.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'case.json'), JSON.stringify(edit(json)));
  return dir;
}

describe('flowmo parity adapter', () => {
  it.each(fixtureCaseDirs('flowmo').map((d) => [path.basename(d), d]))('%s passes with every output compared', async (_, dir) => {
    const before = tf.memory().numTensors;
    const r = await runParity(dir, [flowmoAdapter]);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.failures).toEqual([]);
    expect(r.pass).toBe(true);
    const io = JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8')) as { io_file: { tensors: Record<string, unknown> } };
    const inputs = ['img', 'x_t', 't', 'z1_noise_for_rf_loss', 'z0_sampling_noise', 'x'];
    expect(Object.keys(r.maxAbsErr).sort()).toEqual(Object.keys(io.io_file.tensors).filter((k) => !inputs.includes(k)).sort());
    for (const exact of ['code_quantized', 'lfq_indices', 'sample_cfg_applied', 'quantized', 'indices']) if (exact in r.maxAbsErr) expect(r.maxAbsErr[exact], exact).toBe(0);
  });

  it('rejects official configs and LFQ arguments it cannot honour, naming them', async () => {
    const before = tf.memory().numTensors;
    const kl = editedCase('tiny_p8_img32', (j) => ({ ...j, config_overrides_on_base_yaml: { ...(j['config_overrides_on_base_yaml'] as object), 'model.quantization_type': 'kl', 'model.dropout': 0.1 } }));
    await expect(runParity(kl, [flowmoAdapter])).rejects.toThrow(/model\.dropout: not a key[\s\S]*quantization_type: "kl" is not supported/);
    const lfq = editedCase('lfq_quantizer', (j) => ({ ...j, constructor: { ...(j['constructor'] as object), token_factorization: true, num_codebooks: 2 } }));
    await expect(runParity(lfq, [flowmoAdapter])).rejects.toThrow(/num_codebooks=2[\s\S]*token_factorization=true/);
    expect(tf.memory().numTensors).toBe(before);
    [kl, lfq].forEach((d) => fs.rmSync(d, { recursive: true }));
  });
});
