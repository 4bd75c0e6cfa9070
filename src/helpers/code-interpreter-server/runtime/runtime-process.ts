// The helper's handle on one runtime child process (one container's Python): starts it with the
// sandbox launch plan, runs one call at a time, and is the hard stop for every limit: on a
// timeout, a cancelled call or memory over the limit the process is killed (SIGKILL), which
// nothing inside it can delay. Serves the child's HTTP bridge through the egress-checked fetch.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import type { EgressFetch } from '../egress-fetch.js';
import type { LaunchPlan } from './launch.js';
import type { ExecResult, FromRuntime, RuntimeInit, ToRuntime } from './protocol.js';
import { serveSyncPipe } from './sync-pipe.js';

export interface RuntimeProcessOptions {
  launch: LaunchPlan;
  init: RuntimeInit;
  egressFetch: EgressFetch;
  /** Resident memory above which the process is killed (the second memory layer). */
  memoryLimitBytes: number;
  /** How often resident memory is checked. */
  memoryPollMs: number;
  startupTimeoutMs: number;
}

/** Why a runtime was stopped; the running call (if any) reports it. */
export type StopReason =
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'memory'; limitBytes: number }
  | { kind: 'cancelled' }
  | { kind: 'crash'; detail: string }
  | { kind: 'shutdown' }
  | { kind: 'retired' };

interface Running {
  id: number;
  resolve: (r: ExecResult) => void;
  timer: NodeJS.Timeout;
  startedAt: number;
}

const STDERR_TAIL = 4096;

export class RuntimeProcess {
  private readonly child: ChildProcess;
  private running: Running | undefined;
  private nextId = 1;
  private dead = false;
  private readonly memoryTimer: NodeJS.Timeout;
  private stderrTail = '';
  private readyResolve!: (loadMs: number) => void;
  private readyReject!: (err: Error) => void;
  /** Resolves with the Pyodide load time once the runtime can execute code. */
  readonly ready: Promise<number>;
  readonly startedAt = performance.now();
  loaded = false;
  codegenBlocked = false;
  /** Called once when the process is gone, for any reason. */
  onExit: (reason: StopReason) => void = () => undefined;

  constructor(private readonly opts: RuntimeProcessOptions) {
    this.ready = new Promise((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    this.ready.catch(() => undefined);
    const { command, args } = opts.launch;
    this.child = spawn(command, args, {
      // Nothing of the host environment: the runtime gets what it needs in the init message.
      env: {},
      cwd: '/',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc', 'pipe'],
      serialization: 'advanced',
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL);
    });
    serveSyncPipe(this.child.stdio[4] as Duplex, async (request) => {
      const { request: req, timeoutMs } = request as { request: Parameters<EgressFetch>[0]; timeoutMs: number };
      return this.opts.egressFetch(req, timeoutMs);
    });
    this.child.on('message', (msg: FromRuntime) => this.onMessage(msg));
    this.child.on('error', (err) => this.stop({ kind: 'crash', detail: `could not start: ${err.message}` }));
    this.child.on('exit', (code, signal) => {
      const how = code === 97 ? 'could not apply its memory limit' : signal ? `was killed by ${signal}` : `exited with code ${code}`;
      // V8 aborts (SIGABRT/SIGTRAP) when it cannot get memory under the rlimit.
      const oom = signal === 'SIGABRT' || signal === 'SIGTRAP' || /out of memory|allocation failed/i.test(this.stderrTail);
      this.stop(oom ? { kind: 'memory', limitBytes: this.opts.memoryLimitBytes } : { kind: 'crash', detail: `the runtime ${how}` });
    });
    this.send({ type: 'init', init: opts.init });
    const startupTimer = setTimeout(() => this.kill({ kind: 'crash', detail: `the runtime did not load within ${opts.startupTimeoutMs} ms` }), opts.startupTimeoutMs);
    this.ready.then(() => clearTimeout(startupTimer), () => clearTimeout(startupTimer));
    this.memoryTimer = setInterval(() => void this.checkMemory(), opts.memoryPollMs);
    this.memoryTimer.unref();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return !this.dead;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** The last lines the runtime wrote to stderr (Node/V8 diagnostics), for logs. */
  get diagnostics(): string {
    return this.stderrTail.trim();
  }

  /**
   * Runs one call. A timeout or an abort of `signal` kills the process; the call then resolves
   * with an error result saying so (it never rejects).
   */
  execute(code: string, timeoutMs: number, signal?: AbortSignal): Promise<ExecResult> {
    if (this.dead || !this.loaded) return Promise.resolve(errorResult('the runtime is not available', 0));
    if (this.running) throw new Error('runtime is busy');
    if (signal?.aborted) return Promise.resolve(errorResult(stopMessage({ kind: 'cancelled' }), 0));
    const id = this.nextId++;
    return new Promise<ExecResult>((resolve) => {
      const onAbort = () => this.kill({ kind: 'cancelled' });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.running = {
        id,
        startedAt: performance.now(),
        timer: setTimeout(() => this.kill({ kind: 'timeout', timeoutMs }), timeoutMs),
        resolve: (r) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(r);
        },
      };
      this.send({ type: 'exec', id, code, timeoutMs });
    });
  }

  /** Kills the process now (SIGKILL); a running call resolves with `reason`'s error. */
  kill(reason: StopReason): void {
    this.stop(reason);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** Kills the process and waits until it is gone. */
  async terminate(reason: StopReason = { kind: 'shutdown' }): Promise<void> {
    const exited = this.child.exitCode !== null || this.child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => this.child.once('exit', () => r()));
    this.kill(reason);
    await exited;
  }

  private async checkMemory(): Promise<void> {
    const pid = this.child.pid;
    if (this.dead || pid === undefined) return;
    let status: string;
    try {
      status = await readFile(`/proc/${pid}/status`, 'utf8');
    } catch {
      return; // not Linux, or already gone: the rlimit is the layer that holds then
    }
    const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0);
    if (kb * 1024 > this.opts.memoryLimitBytes) this.kill({ kind: 'memory', limitBytes: this.opts.memoryLimitBytes });
  }

  private send(msg: ToRuntime): void {
    if (this.dead || !this.child.connected) return;
    try {
      this.child.send(msg);
    } catch {
      // the exit handler reports it
    }
  }

  private onMessage(msg: FromRuntime): void {
    switch (msg.type) {
      case 'ready':
        this.loaded = true;
        this.codegenBlocked = msg.codegenBlocked;
        this.readyResolve(msg.loadMs);
        return;
      case 'result':
        if (this.running?.id === msg.id) this.finish(msg.result);
        return;
      case 'http':
        void this.opts.egressFetch(msg.request, msg.timeoutMs).then((response) => this.send({ type: 'http-response', reqId: msg.reqId, response }));
        return;
      case 'fatal':
        this.kill({ kind: 'crash', detail: `the runtime failed: ${msg.error}` });
        return;
    }
  }

  private finish(result: ExecResult): void {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    clearTimeout(running.timer);
    running.resolve(result);
  }

  private stop(reason: StopReason): void {
    if (this.dead) return;
    this.dead = true;
    clearInterval(this.memoryTimer);
    if (this.running) this.finish(errorResult(stopMessage(reason), performance.now() - this.running.startedAt));
    this.readyReject(new Error(reason.kind === 'crash' ? reason.detail : `runtime stopped (${reason.kind})`));
    this.onExit(reason);
  }
}

const LOST = 'The Python runtime was stopped and replaced, so the container\'s files and modules were lost.';

export function stopMessage(reason: StopReason): string {
  switch (reason.kind) {
    case 'timeout': {
      const secs = (reason.timeoutMs / 1000).toFixed(reason.timeoutMs % 1000 === 0 ? 0 : 1);
      return `Execution timed out after ${secs} s. ${LOST}`;
    }
    case 'memory':
      return `Execution exceeded the memory limit of ${Math.round(reason.limitBytes / 1024 / 1024)} MiB. ${LOST}`;
    case 'cancelled':
      return 'Execution was cancelled because the request was cancelled or its client disconnected.';
    case 'crash':
      return `The Python runtime crashed (${reason.detail}). ${LOST}`;
    case 'shutdown':
      return 'The code interpreter is shutting down.';
    case 'retired':
      return 'The container expired.';
  }
}

export function errorResult(message: string, elapsedMs: number): ExecResult {
  return { status: 'error', stdout: '', stderr: '', result: null, error: message, execution_time_ms: Math.round(elapsedMs) };
}
