// Child-process entry of a Patchwork side (forked by sides.ts, one process per workload): initialises
// the backend from PATCHWORK_BACKEND / PATCHWORK_THREADS, says hello, then serves SideRequests over IPC.
import { initBackend } from '@patchwork/tensor-core';
import { PatchworkHost } from './host.js';
import type { SideReply, SideRequest } from './host.js';

function send(reply: SideReply, then: () => void = () => {}): void {
  process.send!(reply, undefined, {}, then);
}

const hello: SideReply = await initBackend().then(
  (info) => ({ ok: true, backend: info.name, threads: info.threads, simd: info.simd }),
  (err: unknown) => ({ ok: false, error: err instanceof Error ? err.message : String(err) }),
);
if (hello.ok) {
  const host = new PatchworkHost();
  process.on('message', (req: SideRequest) => {
    void host.handle(req).then((reply) => send(reply, req.cmd === 'finish' ? () => process.exit(0) : undefined));
  });
  send(hello);
} else {
  send(hello, () => process.exit(0));
}
