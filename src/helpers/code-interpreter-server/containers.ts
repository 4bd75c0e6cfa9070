// Containers, as OpenAI models them: a container is one Python runtime (one child process)
// owned by one principal. Its files and imported modules persist between the calls made in
// it and never cross to another container; a container is only reachable by its owner. Warm
// spare runtimes are kept loaded so opening a container does not pay Pyodide's start-up.
// Idle containers expire; the number per principal and in total is capped (oldest idle first).
import type { HelperLogger } from './logger.js';
import type { RuntimeProcess } from './runtime/runtime-process.js';

export interface ContainerLimits {
  /** A container unused for this long is removed (its runtime killed). */
  idleMs: number;
  /** Containers one principal may hold; opening one more retires its oldest idle container. */
  maxPerPrincipal: number;
  /** Containers in total; opening one more retires the oldest idle container of anyone. */
  maxTotal: number;
  /** Warm runtimes kept loaded and unassigned. */
  spares: number;
}

export interface Container {
  readonly id: string;
  readonly principal: string;
  runtime: RuntimeProcess | undefined;
  lastActive: number;
  /** Calls queued or running in this container (it is not retired while > 0). */
  pending: number;
}

export class ContainerError extends Error {
  constructor(
    message: string,
    readonly code: 'container_not_found' | 'container_limit',
  ) {
    super(message);
  }
}

export interface ContainerRegistryOptions {
  limits: ContainerLimits;
  newRuntime: () => RuntimeProcess;
  logger: HelperLogger;
  now?: () => number;
}

interface Waiter {
  give: (r: RuntimeProcess) => void;
}

export class ContainerRegistry {
  private readonly containers = new Map<string, Container>();
  private readonly spares: RuntimeProcess[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly sweeper: NodeJS.Timeout;
  private failures = 0;
  private refillTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly now: () => number;
  lastLoadMs: number | undefined;
  everLoaded = false;

  constructor(private readonly opts: ContainerRegistryOptions) {
    this.now = opts.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, Math.min(30_000, opts.limits.idleMs / 4)));
    this.sweeper.unref();
  }

  /** Starts the spares; resolves with the first runtime's load time (rejects if it fails). */
  async start(): Promise<number> {
    this.refill();
    const first = this.spares[0];
    if (!first) return 0;
    return first.ready;
  }

  /** The container `id` if `principal` owns it; another principal's container is "not found". */
  get(id: string, principal: string): Container | undefined {
    const c = this.containers.get(id);
    return c && c.principal === principal ? c : undefined;
  }

  /**
   * The container a call runs in: `id` if `principal` owns it; a new one under `id` when
   * `create` is set and the id is unused. Never hands out another principal's container.
   */
  open(id: string, principal: string, create: boolean): Container {
    const existing = this.containers.get(id);
    if (existing) {
      if (existing.principal !== principal) throw new ContainerError(`Container with id '${id}' not found.`, 'container_not_found');
      return existing;
    }
    if (!create) throw new ContainerError(`Container with id '${id}' not found (it may have expired).`, 'container_not_found');
    const mine = [...this.containers.values()].filter((c) => c.principal === principal);
    if (mine.length >= this.opts.limits.maxPerPrincipal && !this.retireOldestIdle(mine)) {
      throw new ContainerError(`Too many active containers for this API key (limit ${this.opts.limits.maxPerPrincipal}); wait for running code to finish.`, 'container_limit');
    }
    if (this.containers.size >= this.opts.limits.maxTotal && !this.retireOldestIdle([...this.containers.values()])) {
      throw new ContainerError(`The code interpreter is at its container limit (${this.opts.limits.maxTotal}); try again later.`, 'container_limit');
    }
    const container: Container = { id, principal, runtime: undefined, lastActive: this.now(), pending: 0 };
    this.containers.set(id, container);
    this.opts.logger.info({ event: 'container_created', container_id: id, principal }, 'container created');
    return container;
  }

  /**
   * The container's runtime, assigning a warm spare when it has none (new container, or its
   * runtime was stopped). Waits for a spare to finish loading if none is ready; `signal` aborts
   * the wait.
   */
  async runtimeFor(container: Container, signal?: AbortSignal): Promise<RuntimeProcess> {
    if (container.runtime?.alive && container.runtime.loaded) return container.runtime;
    container.runtime = undefined;
    const runtime = await this.takeSpare(signal);
    // The container may have been retired meanwhile (e.g. shutdown): give nothing back then.
    container.runtime = runtime;
    return runtime;
  }

  touch(container: Container): void {
    container.lastActive = this.now();
  }

  stats(): { containers: number; sparesReady: number; spareTarget: number; failures: number } {
    return {
      containers: this.containers.size,
      sparesReady: this.spares.filter((s) => s.loaded && s.alive).length,
      spareTarget: this.opts.limits.spares,
      failures: this.failures,
    };
  }

  /** Ready runtimes in total (spares and containers'). */
  readyRuntimes(): number {
    let n = this.spares.filter((s) => s.loaded && s.alive).length;
    for (const c of this.containers.values()) if (c.runtime?.alive && c.runtime.loaded) n++;
    return n;
  }

  sweep(): void {
    const cutoff = this.now() - this.opts.limits.idleMs;
    for (const c of [...this.containers.values()]) {
      if (c.pending === 0 && c.lastActive <= cutoff) this.retire(c, 'expired');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    if (this.refillTimer) clearTimeout(this.refillTimer);
    const all = [...this.spares.splice(0), ...[...this.containers.values()].map((c) => c.runtime)];
    this.containers.clear();
    await Promise.all(all.map((r) => r?.terminate({ kind: 'shutdown' })));
  }

  private retireOldestIdle(candidates: Container[]): boolean {
    const idle = candidates.filter((c) => c.pending === 0).sort((a, b) => a.lastActive - b.lastActive);
    const oldest = idle[0];
    if (!oldest) return false;
    this.retire(oldest, 'evicted (container limit)');
    return true;
  }

  private retire(c: Container, why: string): void {
    this.containers.delete(c.id);
    c.runtime?.kill({ kind: 'retired' });
    c.runtime = undefined;
    this.opts.logger.info({ event: 'container_removed', container_id: c.id, principal: c.principal, reason: why }, `container ${why}`);
  }

  private takeSpare(signal?: AbortSignal): Promise<RuntimeProcess> {
    if (signal?.aborted) return Promise.reject(new Error('cancelled'));
    const readyIndex = this.spares.findIndex((s) => s.loaded && s.alive);
    if (readyIndex >= 0) {
      const [spare] = this.spares.splice(readyIndex, 1);
      this.refill();
      return Promise.resolve(spare!);
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        give: (r) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(r);
        },
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error('cancelled'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.refill();
    });
  }

  /** Keeps `spares` runtimes loading or loaded, plus one per caller waiting for a runtime. */
  private refill(): void {
    if (this.closed || this.refillTimer) return;
    const want = this.opts.limits.spares + this.waiters.length;
    const missing = want - this.spares.length;
    if (missing <= 0) return;
    if (this.failures > 0) {
      // Runtimes keep failing to start: back off instead of spinning.
      const delay = Math.min(30_000, 500 * 2 ** (this.failures - 1));
      this.refillTimer = setTimeout(() => {
        this.refillTimer = undefined;
        this.spawnSpares(1);
      }, delay);
      this.refillTimer.unref();
      return;
    }
    this.spawnSpares(missing);
  }

  private spawnSpares(count: number): void {
    for (let i = 0; i < count; i++) {
      if (this.closed) return;
      const runtime = this.opts.newRuntime();
      this.spares.push(runtime);
      runtime.onExit = (reason) => {
        const i2 = this.spares.indexOf(runtime);
        if (i2 >= 0) {
          this.spares.splice(i2, 1);
          if (!runtime.loaded && !this.closed) {
            this.failures++;
            this.opts.logger.error({ event: 'runtime_start_failed', reason: reason.kind === 'crash' ? reason.detail : reason.kind, diagnostics: runtime.diagnostics.slice(-1000) }, 'code interpreter runtime failed to start');
          }
          this.refill();
        }
      };
      runtime.ready.then(
        (loadMs) => {
          this.failures = 0;
          this.lastLoadMs = loadMs;
          this.everLoaded = true;
          if (!runtime.codegenBlocked) this.opts.logger.warn({}, 'JS code generation is not blocked in the runtime; the sandbox is weaker');
          const waiter = this.waiters.shift();
          if (waiter) {
            const i3 = this.spares.indexOf(runtime);
            if (i3 >= 0) this.spares.splice(i3, 1);
            waiter.give(runtime);
          }
          this.refill();
        },
        () => undefined,
      );
    }
  }
}
