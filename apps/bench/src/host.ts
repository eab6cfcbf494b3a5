import { PatchworkError } from '@patchwork/tensor-core';
import { createPatchworkWorkload } from './patchwork.js';
import type { PatchworkWorkload } from './patchwork.js';
import type { WorkloadSpec } from './workloads.js';

/** A command to a Patchwork side; the PyTorch worker understands `setup`, `run` and `finish` too. */
export type SideRequest =
  | { cmd: 'setup'; spec: WorkloadSpec }
  | { cmd: 'run' }
  | { cmd: 'leak'; steps: [number, number] }
  | { cmd: 'profile'; top: number }
  | { cmd: 'finish' };

/** A reply: `ok` plus the command's fields, or `ok: false` with the error. */
export type SideReply = { ok: true; [field: string]: unknown } | { ok: false; error: string };

/** Peak resident set of this process so far, MiB. */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * Runs one Patchwork workload at a time on command. The same host serves a forked worker process
 * (one per workload, so peak RSS is that workload's) and the in-process side the smoke test uses.
 */
export class PatchworkHost {
  private workload: PatchworkWorkload | null = null;

  /** Execute one request; failures become `{ ok: false, error }` replies. */
  async handle(req: SideRequest): Promise<SideReply> {
    try {
      return { ok: true, ...(await this.execute(req)) };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  private async execute(req: SideRequest): Promise<Record<string, unknown>> {
    if (req.cmd === 'setup') {
      this.workload?.dispose();
      this.workload = await createPatchworkWorkload(req.spec);
      return { params: this.workload.params, flopsPerIter: this.workload.flopsPerIter };
    }
    if (req.cmd === 'finish') {
      this.workload?.dispose();
      this.workload = null;
      return { peakRssMiB: peakRssMiB() };
    }
    const workload = this.workload;
    if (workload === null) throw new PatchworkError('E_ARGUMENT', `'${req.cmd}' before 'setup'`);
    if (req.cmd === 'run') return { ms: workload.run() };
    if (req.cmd === 'leak') return { leak: workload.leakCheck(req.steps) };
    return { profile: await workload.profile(req.top) };
  }
}
