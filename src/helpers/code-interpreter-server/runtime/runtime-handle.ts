// Main-thread handle of one runtime worker: starts it, runs one call at a time with a
// timeout (interrupt first, terminate if the interrupt does not land), and serves the
// worker's HTTP bridge requests through the egress-checked fetch.
import { Worker } from 'node:worker_threads';
import type { EgressFetch } from '../egress-fetch.js';
import { writeSyncReply } from './sync-reply.js';
import type { ExecResult, FromWorker, RuntimeWorkerData, ToWorker } from './protocol.js';
import { resolveWorkerScript } from './worker-script.js';

export interface RuntimeHandleOptions {
  workerData: Omit<RuntimeWorkerData, 'interruptBuffer'>;
  egressFetch: EgressFetch;
  /** How long an interrupted call may take to unwind before the worker is terminated. */
  interruptGraceMs: number;
  /** V8 heap cap for the worker's JS side (the Python heap is capped separately). */
  maxOldGenerationSizeMb: number;
  startupTimeoutMs: number;
}

interface Running {
  id: number;
  resolve: (r: ExecResult) => void;
  timers: NodeJS.Timeout[];
  startedAt: number;
  timeoutMs: number;
}

export class RuntimeHandle {
  private readonly worker: Worker;
  private readonly interrupt = new Int32Array(new SharedArrayBuffer(4));
  private running: Running | undefined;
  private nextId = 1;
  private dead = false;
  private readyResolve!: (loadMs: number) => void;
  private readyReject!: (err: Error) => void;
  /** Resolves with the Pyodide load time once the runtime can execute code. */
  readonly ready: Promise<number>;
  loaded = false;
  codegenBlocked = false;
  /** Called once when the runtime dies for any reason (crash, OOM, terminate). */
  onExit: (reason: string) => void = () => undefined;

  constructor(private readonly opts: RuntimeHandleOptions) {
    this.ready = new Promise((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    this.ready.catch(() => undefined);
    const script = resolveWorkerScript();
    this.worker = new Worker(script.url, {
      workerData: { ...opts.workerData, interruptBuffer: this.interrupt.buffer } satisfies RuntimeWorkerData,
      // An empty environment: nothing from the host leaks into the thread's process.env.
      env: {},
      resourceLimits: { maxOldGenerationSizeMb: opts.maxOldGenerationSizeMb },
      stdout: true,
      stderr: true,
    });
    // Worker console output is not part of any call's result; drain it so it cannot block.
    this.worker.stdout.resume();
    this.worker.stderr.resume();
    const startupTimer = setTimeout(() => this.kill(`runtime did not load within ${opts.startupTimeoutMs} ms`), opts.startupTimeoutMs);
    this.ready.then(() => clearTimeout(startupTimer), () => clearTimeout(startupTimer));
    this.worker.on('message', (msg: FromWorker) => this.onMessage(msg));
    this.worker.on('error', (err) => this.die(`runtime crashed: ${err.message}`));
    this.worker.on('exit', (code) => this.die(`runtime exited (code ${code})`));
  }

  get alive(): boolean {
    return !this.dead;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  execute(code: string, timeoutMs: number): Promise<ExecResult> {
    if (this.dead || !this.loaded) return Promise.resolve(errorResult('runtime is not available', 0));
    if (this.running) throw new Error('runtime is busy');
    const id = this.nextId++;
    Atomics.store(this.interrupt, 0, 0);
    return new Promise<ExecResult>((resolve) => {
      const running: Running = { id, resolve, timers: [], startedAt: performance.now(), timeoutMs };
      this.running = running;
      running.timers.push(
        setTimeout(() => {
          // SIGINT: raises KeyboardInterrupt at the next bytecode boundary.
          Atomics.store(this.interrupt, 0, 2);
          running.timers.push(
            setTimeout(() => {
              // Blocked outside the interpreter loop (time.sleep, Atomics.wait, a huge C call):
              // only replacing the runtime frees it.
              this.finish(errorResult(timeoutMessage(timeoutMs, true), performance.now() - running.startedAt));
              this.kill('execution timeout: runtime terminated and replaced');
            }, this.opts.interruptGraceMs),
          );
        }, timeoutMs),
      );
      this.post({ type: 'exec', id, code, timeoutMs });
    });
  }

  /** Terminates the worker; any running call resolves with an error. */
  async terminate(reason = 'runtime stopped'): Promise<void> {
    this.kill(reason);
    await this.worker.terminate().catch(() => undefined);
  }

  private kill(reason: string): void {
    this.die(reason);
    void this.worker.terminate().catch(() => undefined);
  }

  private post(msg: ToWorker): void {
    if (!this.dead) this.worker.postMessage(msg);
  }

  private onMessage(msg: FromWorker): void {
    switch (msg.type) {
      case 'ready':
        this.loaded = true;
        this.codegenBlocked = msg.codegenBlocked;
        this.readyResolve(msg.loadMs);
        return;
      case 'result': {
        if (this.running?.id !== msg.id) return;
        const r = msg.interrupted
          ? errorResult(timeoutMessage(this.running.timeoutMs, false), msg.result.execution_time_ms, msg.result)
          : msg.result;
        this.finish(r);
        return;
      }
      case 'http':
        void this.opts.egressFetch(msg.request, msg.timeoutMs).then((response) => {
          if (msg.sync) writeSyncReply(msg.sync, response);
          else this.post({ type: 'http-response', reqId: msg.reqId, response });
        });
        return;
      case 'fatal':
        this.kill(`runtime failed: ${msg.error}`);
        return;
    }
  }

  private finish(result: ExecResult): void {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    for (const t of running.timers) clearTimeout(t);
    running.resolve(result);
  }

  private die(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    if (this.running) this.finish(errorResult(`${reason}; the call was aborted and the runtime is being replaced`, performance.now() - this.running.startedAt));
    this.readyReject(new Error(reason));
    this.onExit(reason);
  }
}

function timeoutMessage(timeoutMs: number, terminated: boolean): string {
  const secs = (timeoutMs / 1000).toFixed(timeoutMs % 1000 === 0 ? 0 : 1);
  return terminated
    ? `Execution timed out after ${secs} s and could not be interrupted (e.g. time.sleep); the Python runtime was restarted, so all state was lost.`
    : `Execution timed out after ${secs} s and was interrupted.`;
}

function errorResult(message: string, elapsedMs: number, partial?: ExecResult): ExecResult {
  return {
    status: 'error',
    stdout: partial?.stdout ?? '',
    stderr: partial?.stderr ?? '',
    result: null,
    error: message,
    execution_time_ms: Math.round(elapsedMs),
  };
}
