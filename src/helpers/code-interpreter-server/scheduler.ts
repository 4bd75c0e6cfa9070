// Fair scheduling of code runs: a bounded queue (full = an immediate error, never a wait), a
// global cap on runs at once, a per-principal cap so one API key cannot hold every runtime,
// and round-robin between principals so a key with many queued runs cannot starve another.
// A run whose caller went away (its signal aborted) leaves the queue or is killed at once.
import { ContainerError, type Container, type ContainerRegistry } from './containers.js';
import type { HelperLogger } from './logger.js';
import type { ExecResult } from './runtime/protocol.js';
import { errorResult, stopMessage } from './runtime/runtime-process.js';

export interface SchedulerLimits {
  /** Runs executing at once (each in its own runtime process). */
  maxConcurrent: number;
  /** Runs one principal may execute at once. */
  maxConcurrentPerPrincipal: number;
  /** Runs waiting for a slot, in total; beyond it a run fails at once. */
  maxQueued: number;
  /** Runs one principal may have waiting (so one key cannot fill the queue); default half of maxQueued. */
  maxQueuedPerPrincipal?: number;
}

export interface RunRequest {
  principal: string;
  containerId: string;
  /** Create the container if it does not exist (ids the gateway minted for `auto`). */
  create: boolean;
  code: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

interface Job extends RunRequest {
  container: Container;
  resolve: (r: ExecResult) => void;
  onAbort?: () => void;
}

export class Scheduler {
  private readonly queues = new Map<string, Job[]>();
  /** Principals in round-robin order. */
  private order: string[] = [];
  private readonly runningBy = new Map<string, number>();
  private running = 0;
  private queued = 0;
  private closed = false;

  constructor(
    private readonly limits: SchedulerLimits,
    private readonly registry: ContainerRegistry,
    private readonly logger: HelperLogger,
  ) {}

  /** Queues a run; throws ContainerError for an unknown/foreign container or a container limit. */
  submit(req: RunRequest): Promise<ExecResult> {
    if (this.closed) return Promise.resolve(errorResult(stopMessage({ kind: 'shutdown' }), 0));
    if (req.signal?.aborted) return Promise.resolve(errorResult(stopMessage({ kind: 'cancelled' }), 0));
    const mine = this.queues.get(req.principal)?.length ?? 0;
    const perPrincipal = this.limits.maxQueuedPerPrincipal ?? Math.max(1, Math.floor(this.limits.maxQueued / 2));
    if (this.queued >= this.limits.maxQueued || mine >= perPrincipal) {
      this.logger.warn({ event: 'queue_full', principal: req.principal, queued: this.queued, queued_by_principal: mine }, 'code interpreter queue full; run refused');
      return Promise.resolve(errorResult(`The code interpreter is busy (${mine >= perPrincipal ? `${mine} runs of this API key` : `${this.queued} runs`} waiting); the run was not started. Try again later.`, 0));
    }
    const container = this.registry.open(req.containerId, req.principal, req.create);
    container.pending++;
    return new Promise((resolve) => {
      const job: Job = { ...req, container, resolve };
      let queue = this.queues.get(req.principal);
      if (!queue) {
        queue = [];
        this.queues.set(req.principal, queue);
        this.order.push(req.principal);
      }
      queue.push(job);
      this.queued++;
      if (req.signal) {
        job.onAbort = () => {
          // Still waiting: leave the queue. Running: the runtime's own abort listener kills it.
          const q = this.queues.get(req.principal);
          const i = q?.indexOf(job) ?? -1;
          if (q && i >= 0) {
            q.splice(i, 1);
            this.queued--;
            this.settle(job, errorResult(stopMessage({ kind: 'cancelled' }), 0));
          }
        };
        req.signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.dispatch();
    });
  }

  stats(): { running: number; queued: number } {
    return { running: this.running, queued: this.queued };
  }

  close(): void {
    this.closed = true;
    for (const q of this.queues.values()) for (const job of q.splice(0)) this.settle(job, errorResult(stopMessage({ kind: 'shutdown' }), 0));
    this.queued = 0;
  }

  private settle(job: Job, result: ExecResult): void {
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    job.container.pending--;
    this.registry.touch(job.container);
    job.resolve(result);
  }

  private dispatch(): void {
    let progressed = true;
    while (progressed && this.running < this.limits.maxConcurrent) {
      progressed = false;
      for (const principal of [...this.order]) {
        if (this.running >= this.limits.maxConcurrent) return;
        if ((this.runningBy.get(principal) ?? 0) >= this.limits.maxConcurrentPerPrincipal) continue;
        const queue = this.queues.get(principal) ?? [];
        // The first queued run whose container is free (runs in one container are serial).
        const index = queue.findIndex((j) => !this.containerBusy(j.container));
        if (index < 0) continue;
        const [job] = queue.splice(index, 1);
        this.queued--;
        if (queue.length === 0) {
          this.queues.delete(principal);
          this.order = this.order.filter((p) => p !== principal);
        } else {
          // Served: go to the back of the rotation.
          this.order = [...this.order.filter((p) => p !== principal), principal];
        }
        void this.run(job!);
        progressed = true;
      }
    }
  }

  private readonly busyContainers = new Set<Container>();

  private containerBusy(c: Container): boolean {
    return this.busyContainers.has(c);
  }

  private async run(job: Job): Promise<void> {
    this.running++;
    this.runningBy.set(job.principal, (this.runningBy.get(job.principal) ?? 0) + 1);
    this.busyContainers.add(job.container);
    let result: ExecResult;
    try {
      const runtime = await this.registry.runtimeFor(job.container, job.signal);
      result = await runtime.execute(job.code, job.timeoutMs, job.signal);
      if (!runtime.alive) {
        this.logger.warn({ event: 'runtime_stopped', container_id: job.container.id, principal: job.principal, error: result.error, diagnostics: runtime.diagnostics.slice(-500) }, 'code interpreter runtime stopped during a run');
      }
    } catch (err) {
      result = errorResult(job.signal?.aborted ? stopMessage({ kind: 'cancelled' }) : `The code interpreter could not run the code: ${(err as Error).message}`, 0);
    }
    this.busyContainers.delete(job.container);
    this.running--;
    const n = (this.runningBy.get(job.principal) ?? 1) - 1;
    if (n > 0) this.runningBy.set(job.principal, n);
    else this.runningBy.delete(job.principal);
    this.settle(job, result);
    this.dispatch();
  }
}

export { ContainerError };
