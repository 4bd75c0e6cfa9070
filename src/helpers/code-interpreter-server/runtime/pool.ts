// A fixed-size pool of Pyodide runtime workers with a FIFO queue. Dead runtimes (timeout
// that could not be interrupted, crash, out of memory) are replaced in the background, with
// backoff if replacements keep failing to start.
import { setFlagsFromString } from 'node:v8';
import type { HelperLogger } from '../logger.js';
import type { ExecResult } from './protocol.js';
import { RuntimeHandle, type RuntimeHandleOptions } from './runtime-handle.js';

export interface RuntimePoolOptions {
  size: number;
  runtime: RuntimeHandleOptions;
  logger: HelperLogger;
}

interface Job {
  code: string;
  timeoutMs: number;
  resolve: (r: ExecResult) => void;
}

export interface PoolStats {
  ready: number;
  configured: number;
  loaded: boolean;
  lastLoadMs: number | undefined;
}

export class RuntimePool {
  private readonly slots: (RuntimeHandle | undefined)[];
  private readonly queue: Job[] = [];
  private closed = false;
  private failures = 0;
  private lastLoadMs: number | undefined;
  private everLoaded = false;

  constructor(private readonly opts: RuntimePoolOptions) {
    // Process-wide V8 flag, applied to contexts created from now on (our worker threads, not
    // the already-running main thread): Python then cannot compile JS from strings, which
    // would otherwise reach Node's `process` and `import()` from inside the sandbox.
    setFlagsFromString('--disallow-code-generation-from-strings');
    this.slots = Array.from({ length: opts.size }, () => undefined);
  }

  /** Starts every runtime; resolves with the slowest load time, rejects if any fails to load. */
  async start(): Promise<number> {
    const loads = this.slots.map((_, i) => this.spawn(i));
    const times = await Promise.all(loads);
    return Math.max(...times);
  }

  execute(code: string, timeoutMs: number): Promise<ExecResult> {
    if (this.closed) return Promise.resolve(unavailable('the code interpreter is shutting down'));
    return new Promise((resolve) => {
      this.queue.push({ code, timeoutMs, resolve });
      this.dispatch();
    });
  }

  stats(): PoolStats {
    const ready = this.slots.filter((s) => s?.alive && s.loaded).length;
    return { ready, configured: this.slots.length, loaded: this.everLoaded, lastLoadMs: this.lastLoadMs };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve(unavailable('the code interpreter is shutting down'));
    await Promise.all(this.slots.map((s) => s?.terminate('shutting down')));
  }

  private spawn(index: number): Promise<number> {
    const handle = new RuntimeHandle(this.opts.runtime);
    this.slots[index] = handle;
    handle.onExit = (reason) => {
      if (this.slots[index] === handle) this.slots[index] = undefined;
      if (this.closed) return;
      this.opts.logger.warn({ runtime: index, reason }, 'code interpreter runtime exited; replacing it');
      this.scheduleReplacement(index);
    };
    return handle.ready.then((loadMs) => {
      this.failures = 0;
      this.lastLoadMs = loadMs;
      this.everLoaded = true;
      if (!handle.codegenBlocked) {
        this.opts.logger.warn({ runtime: index }, 'JS code generation is not blocked in the runtime thread; sandbox isolation is weaker');
      }
      this.dispatch();
      return loadMs;
    });
  }

  private scheduleReplacement(index: number): void {
    const delay = this.failures === 0 ? 0 : Math.min(30_000, 500 * 2 ** (this.failures - 1));
    this.failures++;
    setTimeout(() => {
      if (this.closed || this.slots[index]) return;
      this.spawn(index).catch((err: unknown) => {
        this.opts.logger.error({ runtime: index, err: (err as Error).message }, 'code interpreter runtime failed to start');
      });
    }, delay).unref();
  }

  private dispatch(): void {
    for (const handle of this.slots) {
      if (this.queue.length === 0) return;
      if (!handle?.alive || !handle.loaded || handle.busy) continue;
      const job = this.queue.shift();
      if (!job) return;
      void handle.execute(job.code, job.timeoutMs).then((result) => {
        job.resolve(result);
        this.dispatch();
      });
    }
  }
}

function unavailable(message: string): ExecResult {
  return { status: 'error', stdout: '', stderr: '', result: null, error: message, execution_time_ms: 0 };
}
