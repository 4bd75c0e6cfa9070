// The real vLLM server as a child of the integrated supervisor: started on a loopback port,
// its output shown as is (model loading takes minutes and its progress is the user's only
// feedback), readiness polled, and stopped with SIGTERM then SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { waitForHealthy } from '../helper-process.js';
import { exitCodeOf } from './hand-over.js';

export interface VllmServerOptions {
  bin: string;
  /** `serve MODEL …` without any --host/--port: those are added here. */
  args: readonly string[];
  port: number;
  env: NodeJS.ProcessEnv;
}

export class VllmServer {
  readonly url: string;
  /** Resolves with vLLM's exit code (128+n for a signal) whenever it ends, for any reason. */
  readonly exited: Promise<number>;
  private readonly child: ChildProcess;
  private readonly killOnExit = () => this.signalGroup('SIGKILL');

  constructor(opts: VllmServerOptions) {
    this.url = `http://127.0.0.1:${opts.port}`;
    this.child = spawn(opts.bin, [...opts.args, '--host', '127.0.0.1', '--port', String(opts.port)], {
      env: opts.env,
      // stdout/stderr are the terminal's: colours, progress bars and line timing stay vLLM's own.
      stdio: ['ignore', 'inherit', 'inherit'],
      // Its own process group: a Ctrl+C at the terminal reaches only us, so the gateway drains
      // in-flight requests before vLLM is told to stop; SIGKILL can take its workers with it.
      detached: true,
    });
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err: NodeJS.ErrnoException) => {
        process.stderr.write(`[integrated] error: cannot run ${opts.bin}: ${err.message}\n`);
        resolve(err.code === 'ENOENT' ? 127 : 126);
      });
      this.child.once('exit', (code, signal) => resolve(exitCodeOf(code, signal)));
    });
    // If this process dies without a clean stop, vLLM (and the GPU memory it holds) must not linger.
    process.once('exit', this.killOnExit);
    void this.exited.then(() => process.off('exit', this.killOnExit));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Resolves once `GET /health` answers 200. Rejects if vLLM exits first (message carries the
   * exit code), on timeout, or when `signal` aborts.
   */
  async waitReady(timeoutMs: number, signal: AbortSignal): Promise<void> {
    const settled = new AbortController();
    const gaveUp = AbortSignal.any([signal, settled.signal, AbortSignal.timeout(timeoutMs)]);
    const ready = waitForHealthy(`${this.url}/health`, gaveUp, 500).then(
      () => 'ready' as const,
      (err: unknown) => {
        throw new Error(
          signal.aborted ? 'stopped while waiting for vLLM' : `vLLM did not become ready at ${this.url}/health within ${timeoutMs / 1000}s (${(err as Error).message})`,
        );
      },
    );
    try {
      const outcome = await Promise.race([ready, this.exited.then((code) => ({ code }))]);
      if (outcome !== 'ready') throw new Error(`vLLM exited with code ${outcome.code} before it was ready`);
    } finally {
      // Stop polling whichever way it ended; the loser's rejection is of no interest.
      settled.abort();
      ready.catch(() => {});
    }
  }

  /** SIGTERM to vLLM, SIGKILL to its whole process group after `graceMs`; resolves with its exit code. */
  async stop(graceMs: number): Promise<number> {
    if (this.running) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (!this.running || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      this.child.kill(signal);
    }
  }
}
