import fs from 'node:fs';
import path from 'node:path';
import { FormatError, parseConfig, tf } from '@patchwork/tensor-core';
import { loadSafetensorsFile } from '@patchwork/tensor-core/node';
import { z } from 'zod';

/** The parts of a fixture `case.json` (see tooling/fixtures/README.md) that parity relies on. */
export const CaseJsonSchema = z
  .object({
    model: z.string(),
    case: z.string(),
    reference: z.object({ class: z.string().optional(), file: z.string().optional() }).passthrough().optional(),
    constructor: z.unknown(),
    mode: z.string().optional(),
    tolerance: z.object({ max_abs: z.number().positive() }).passthrough(),
  })
  .passthrough();

export type CaseJson = z.infer<typeof CaseJsonSchema>;

/** A loaded fixture case: its description, official weights and recorded inputs/outputs (PyTorch layouts). */
export interface ParityCase {
  dir: string;
  json: CaseJson;
  weights: Record<string, tf.Tensor>;
  io: Record<string, tf.Tensor>;
  dispose(): void;
}

/** Read `case.json`, `weights.safetensors` and `io.safetensors` from a case directory. */
export function loadParityCase(dir: string): ParityCase {
  const jsonPath = path.join(dir, 'case.json');
  if (!fs.existsSync(jsonPath)) throw new FormatError(`${dir} is not a fixture case: no case.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  } catch (err) {
    throw new FormatError(`${jsonPath}: invalid JSON (${(err as Error).message})`, { cause: err });
  }
  const json = parseConfig(CaseJsonSchema, raw, jsonPath);
  const weights = loadSafetensorsFile(path.join(dir, 'weights.safetensors')).tensors;
  const io = loadSafetensorsFile(path.join(dir, 'io.safetensors')).tensors;
  return {
    dir,
    json,
    weights,
    io,
    dispose: () => tf.dispose([...Object.values(weights), ...Object.values(io)]),
  };
}
