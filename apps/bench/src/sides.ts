// The competitors of a workload ("sides") and how the orchestrator talks to them: a forked Node
// process per workload (or the current process) for Patchwork, a Python process per workload for
// each PyTorch. Every side answers the same setup / run / finish requests.
import { fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PatchworkHost } from './host.js';
import type { SideReply, SideRequest } from './host.js';
import type { LeakResult, ProfileSummary } from './schema.js';
import type { WorkloadSpec } from './workloads.js';

/** Result columns: Patchwork on the default backend, on tfjs-node, and the two PyTorch builds. */
export type SideName = 'patchwork' | 'tensorflow' | 'torch113' | 'torch2';

/** What a side reports after building a workload. */
export interface SetupResult {
  params: number;
  /** Patchwork sides count the FLOPs of an iteration; PyTorch sides report null. */
  flopsPerIter: number | null;
}

/** One competitor, serving one workload at a time. */
export interface Side {
  readonly name: SideName;
  /** The start-up reply (backend / torch version and threads). */
  readonly hello: Record<string, unknown>;
  setup(spec: WorkloadSpec): Promise<SetupResult>;
  /** One timed iteration, ms. */
  run(): Promise<number>;
  /** Free the workload; returns the side's peak resident set in MiB. The side is done afterwards. */
  finish(): Promise<number>;
  /** Kill the side's process, if it has one and it is still running. */
  close(): void;
}

/** A Patchwork side also runs leak checks and profiles. */
export interface PatchworkSide extends Side {
  leakCheck(steps: [number, number]): Promise<LeakResult>;
  profile(top: number): Promise<ProfileSummary>;
}

type Ok = Extract<SideReply, { ok: true }>;

/** Replies in arrival order; the first one is the hello. */
class ReplyQueue {
  private readonly received: SideReply[] = [];
  private readonly waiting: { resolve: (r: SideReply) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | null = null;

  push(reply: SideReply): void {
    const waiter = this.waiting.shift();
    if (waiter === undefined) this.received.push(reply);
    else waiter.resolve(reply);
  }

  fail(err: Error): void {
    this.failure ??= err;
    for (const waiter of this.waiting.splice(0)) waiter.reject(err);
  }

  next(): Promise<SideReply> {
    const ready = this.received.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
}

/** Request/reply over a child process; `sendRaw` delivers one request, replies arrive through {@link deliver}. */
class ProcessChannel {
  private readonly replies = new ReplyQueue();
  private stderr = '';

  constructor(
    readonly label: string,
    readonly child: ChildProcess,
    private readonly sendRaw: (req: SideRequest) => void,
    /** Longest wait for one reply; then the process is killed and the request fails. */
    private readonly timeoutMs: number,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    child.on('error', (err) => this.replies.fail(new Error(`${label}: ${err.message}`)));
    child.on('exit', (code, signal) => {
      const tail = this.stderr.trim() === '' ? '' : `:\n${this.stderr.trim()}`;
      this.replies.fail(new Error(`${label} exited (code ${code}, signal ${signal})${tail}`));
    });
  }

  deliver(reply: SideReply): void {
    this.replies.push(reply);
  }

  hello(): Promise<Ok> {
    return this.reply('start-up');
  }

  request(req: SideRequest): Promise<Ok> {
    this.sendRaw(req);
    return this.reply(`'${req.cmd}'`);
  }

  private async reply(what: string): Promise<Ok> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`${this.label}: no reply to ${what} within ${this.timeoutMs / 1000} s (process killed)`));
      }, this.timeoutMs);
    });
    const next = this.replies.next();
    next.catch(() => {}); // after a timeout, the kill rejects it with nobody listening
    try {
      return this.expectOk(await Promise.race([next, timeout]));
    } finally {
      clearTimeout(timer);
    }
  }

  private expectOk(reply: SideReply): Ok {
    if (!reply.ok) throw new Error(`${this.label}: ${reply.error}`);
    return reply;
  }
}

type Requester = (req: SideRequest) => Promise<Ok>;

function sideFrom(name: SideName, hello: Ok, request: Requester, close: () => void): PatchworkSide {
  return {
    name,
    hello,
    setup: async (spec) => {
      const r = await request({ cmd: 'setup', spec });
      return { params: r['params'] as number, flopsPerIter: typeof r['flopsPerIter'] === 'number' ? r['flopsPerIter'] : null };
    },
    run: async () => (await request({ cmd: 'run' }))['ms'] as number,
    finish: async () => (await request({ cmd: 'finish' }))['peakRssMiB'] as number,
    leakCheck: async (steps) => (await request({ cmd: 'leak', steps }))['leak'] as LeakResult,
    profile: async (top) => (await request({ cmd: 'profile', top }))['profile'] as ProfileSummary,
    close,
  };
}

/**
 * Patchwork in a fresh Node process (dist/worker.js), so its peak RSS is this workload's alone.
 * `backend` forces a tfjs backend (PATCHWORK_BACKEND); rejects if that backend cannot start.
 * A request unanswered after `timeoutMs` kills the process (a wasm heap that ran full can hang).
 */
export async function forkPatchworkSide(name: SideName, threads: number, timeoutMs: number, backend?: string): Promise<PatchworkSide> {
  const env: NodeJS.ProcessEnv = { ...process.env, PATCHWORK_THREADS: String(threads) };
  if (backend !== undefined) env['PATCHWORK_BACKEND'] = backend;
  const child = fork(fileURLToPath(new URL('./worker.js', import.meta.url)), [], { env, stdio: ['ignore', 'inherit', 'pipe', 'ipc'], serialization: 'json' });
  const channel = new ProcessChannel(name, child, (req) => child.send(req), timeoutMs);
  child.on('message', (reply: SideReply) => channel.deliver(reply));
  const close = (): void => void (child.exitCode === null && child.kill());
  try {
    return sideFrom(name, await channel.hello(), (req) => channel.request(req), close);
  } catch (err) {
    close();
    throw err;
  }
}

/** Patchwork in this process, on the backend already initialised (the smoke test's side; peak RSS is the process's). */
export function inProcessPatchworkSide(hello: Record<string, unknown>): PatchworkSide {
  const host = new PatchworkHost();
  const request: Requester = async (req) => {
    const reply = await host.handle(req);
    if (!reply.ok) throw new Error(`patchwork: ${reply.error}`);
    return reply;
  };
  return sideFrom('patchwork', { ok: true, ...hello }, request, () => {});
}

/** A PyTorch install found by `worker.py --list`. */
export interface TorchInstall {
  version: string;
  /** The sys.path entry that holds its `torch/` package. */
  root: string;
}

/** PyTorch in a fresh `python worker.py` process (tooling/bench-torch), importing torch from `install.root`. */
export async function spawnTorchSide(name: SideName, python: string, workerPy: string, install: TorchInstall, threads: number, timeoutMs: number): Promise<Side> {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  const child = spawn(python, [workerPy, '--torch-root', install.root, '--threads', String(threads)], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin!.on('error', () => {}); // EPIPE after the worker died; its exit is what gets reported
  const channel = new ProcessChannel(`${name} (${python})`, child, (req) => child.stdin!.write(`${JSON.stringify(req)}\n`), timeoutMs);
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      channel.deliver(JSON.parse(line) as SideReply);
    } catch {
      channel.deliver({ ok: false, error: `unexpected output: ${line}` });
    }
  });
  const close = (): void => void (child.exitCode === null && child.kill());
  try {
    return sideFrom(name, await channel.hello(), (req) => channel.request(req), close);
  } catch (err) {
    close();
    throw err;
  }
}
