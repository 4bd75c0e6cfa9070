// Supervision of a loopback helper process (code interpreter, MCP runtime): spawn it, wait for
// its GET /health to answer 200, restart it with backoff if it dies, stop it gracefully.
// Tool-agnostic on purpose: everything specific comes in through the options.
import { PARENT_PIPE_ENV } from '../helpers/exit-with-parent.js';
import { spawn, type ChildProcess } from 'node:child_process';

export interface HelperProcessOptions {
  /** Short name used in log lines and errors, e.g. "code interpreter". */
  name: string;
  /** Script run with `process.execPath`. */
  script: string;
  args: readonly string[];
  /** Node flags placed before the script (e.g. --max-old-space-size). */
  nodeArgs?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Full URL answering 200 when the helper is ready, e.g. http://127.0.0.1:5970/health. */
  healthUrl: string;
  startupTimeoutMs: number;
  healthIntervalMs?: number;
  /** Time between SIGTERM and SIGKILL on stop. */
  stopGraceMs?: number;
  restartInitialDelayMs?: number;
  restartMaxDelayMs?: number;
  /** Receives supervisor messages; default writes to stderr. */
  log?: (line: string) => void;
  /** Receives the child's output lines; default forwards them to stderr. */
  onOutput?: (line: string, stream: 'stdout' | 'stderr') => void;
}

const OUTPUT_TAIL_LINES = 20;

export class HelperProcess {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private readonly tail: string[] = [];
  restarts = 0;

  constructor(private readonly opts: HelperProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawns the helper and resolves once it is healthy; on failure the child is killed. */
  async start(): Promise<void> {
    this.stopping = false;
    await this.launch();
  }

  /** SIGTERM, then SIGKILL after the grace period; no restart afterwards. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    this.child = undefined;
    if (child) await terminate(child, this.opts.stopGraceMs ?? 5000);
  }

  private log(line: string): void {
    (this.opts.log ?? ((l: string) => process.stderr.write(`[vllm-responses] ${l}\n`)))(line);
  }

  private async launch(): Promise<void> {
    const child = spawn(process.execPath, [...(this.opts.nodeArgs ?? []), this.opts.script, ...this.opts.args], {
      // stdin: a pipe never written to; it closes when this process dies, however it dies, and
      // the helper then exits (helpers/exit-with-parent.ts).
      env: { ...(this.opts.env ?? process.env), [PARENT_PIPE_ENV]: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    this.tail.length = 0;
    this.pipeOutput(child);
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`));
      child.once('error', (err) => resolve(`spawn error: ${err.message}`));
    });
    child.once('exit', (code, signal) => this.onExit(child, code, signal));

    const deadline = AbortSignal.timeout(this.opts.startupTimeoutMs);
    const outcome = await Promise.race([
      waitForHealthy(this.opts.healthUrl, deadline, this.opts.healthIntervalMs ?? 250).then(() => 'healthy' as const),
      exited.then((how) => ({ exited: how })),
    ]).catch(() => 'timeout' as const);

    if (outcome === 'healthy') return;
    if (this.child === child) this.child = undefined;
    await terminate(child, this.opts.stopGraceMs ?? 5000);
    const output = this.tail.length > 0 ? `\n--- last output of ${this.opts.name} ---\n${this.tail.join('\n')}` : '';
    if (outcome === 'timeout') {
      throw new Error(`${this.opts.name} did not become healthy at ${this.opts.healthUrl} within ${this.opts.startupTimeoutMs} ms; it was stopped${output}`);
    }
    throw new Error(`${this.opts.name} exited (${outcome.exited}) before becoming healthy${output}`);
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    // Only the current, started child matters; start-up failures are handled by launch().
    if (this.stopping || this.child !== child) return;
    this.child = undefined;
    const delay = Math.min(this.opts.restartMaxDelayMs ?? 30_000, (this.opts.restartInitialDelayMs ?? 500) * 2 ** this.failures);
    this.failures++;
    this.log(`${this.opts.name} exited unexpectedly (${signal ? `signal ${signal}` : `code ${code}`}); restarting in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      this.launch().then(
        () => {
          this.restarts++;
          this.failures = 0;
          this.log(`${this.opts.name} restarted (pid ${this.child?.pid})`);
        },
        (err: unknown) => {
          this.log(`${this.opts.name} restart failed: ${(err as Error).message}`);
          // Go around again with a longer delay.
          if (!this.stopping) this.onExit(child, code, signal);
        },
      );
    }, delay);
  }

  private pipeOutput(child: ChildProcess): void {
    const forward = this.opts.onOutput ?? ((line: string) => process.stderr.write(`[${this.opts.name}] ${line}\n`));
    for (const stream of ['stdout', 'stderr'] as const) {
      let buffered = '';
      child[stream]?.setEncoding('utf8');
      child[stream]?.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          this.tail.push(line);
          if (this.tail.length > OUTPUT_TAIL_LINES) this.tail.shift();
          forward(line, stream);
        }
      });
    }
  }
}

/** Polls `url` until it answers 200 or `signal` aborts (then rejects with the last problem). */
export async function waitForHealthy(url: string, signal: AbortSignal, intervalMs = 250): Promise<void> {
  let last = 'no answer yet';
  while (!signal.aborted) {
    try {
      const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(5000)]) });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(last);
}

/** For `--code-interpreter external`-style helpers: one bounded readiness check with a clear error. */
export async function checkExternalHelper(url: string, timeoutMs: number): Promise<void> {
  try {
    await waitForHealthy(url, AbortSignal.timeout(timeoutMs));
  } catch (err) {
    throw new Error(`external helper at ${url} is not healthy after ${timeoutMs} ms (${(err as Error).message})`);
  }
}

async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
