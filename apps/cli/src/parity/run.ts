import { PatchworkError, tf } from '@patchwork/tensor-core';
import type { ParityAdapter } from './adapter.js';
import { loadParityCase } from './case.js';
import { PARITY_ADAPTERS } from './registry.js';

/** The one JSON line `patchwork parity` prints per case. */
export interface ParityReport {
  case: string;
  model: string;
  adapter: string;
  pass: boolean;
  tolerance: number;
  maxAbsErr: Record<string, number>;
  /** Outputs that failed, with their allowed error. */
  failures: { output: string; maxAbsErr: number; allowed: number }[];
}

/** Run one fixture case directory through the matching adapter and compare every output. */
export async function runParity(dir: string, adapters: ParityAdapter[] = PARITY_ADAPTERS): Promise<ParityReport> {
  const c = loadParityCase(dir);
  try {
    const adapter = adapters.find((a) => a.accepts(c));
    if (adapter === undefined) {
      const cls = c.json.reference?.class ?? 'unknown class';
      throw new PatchworkError('E_ARGUMENT', `no parity adapter for model '${c.json.model}' (${cls}) in ${dir}; known: ${adapters.map((a) => a.name).join(', ') || 'none'}`);
    }
    const outputs = await adapter.run(c);
    if (Object.keys(outputs).length === 0) throw new PatchworkError('E_ARGUMENT', `adapter ${adapter.name} produced no outputs for ${dir}`);
    const tolerance = c.json.tolerance.max_abs;
    const report: ParityReport = { case: `${c.json.model}/${c.json.case}`, model: c.json.model, adapter: adapter.name, pass: true, tolerance, maxAbsErr: {}, failures: [] };
    for (const [name, out] of Object.entries(outputs)) {
      const expected = c.io[name];
      if (expected === undefined) throw new PatchworkError('E_ARGUMENT', `adapter ${adapter.name} returned '${name}', which ${dir}/io.safetensors does not hold`);
      const err = compare(name, out.value, expected);
      const allowed = tolerance * (out.toleranceScale ?? 1);
      report.maxAbsErr[name] = err;
      if (!(err <= allowed)) {
        report.pass = false;
        report.failures.push({ output: name, maxAbsErr: err, allowed });
      }
    }
    tf.dispose(Object.values(outputs).map((o) => o.value));
    return report;
  } finally {
    c.dispose();
  }
}

function compare(name: string, actual: tf.Tensor, expected: tf.Tensor): number {
  const a = actual.dataSync();
  const e = expected.dataSync();
  if (actual.shape.join(',') !== expected.shape.join(',') && a.length !== e.length) {
    throw new PatchworkError('E_SHAPE', `output ${name}: shape [${actual.shape.join(', ')}], fixture has [${expected.shape.join(', ')}]`);
  }
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(Number(a[i]) - Number(e[i]));
    if (Number.isNaN(d)) return Number.POSITIVE_INFINITY;
    if (d > worst) worst = d;
  }
  return worst;
}
