/**
 * Worker side of cluster metrics (protocol in metrics-protocol.ts): answers the primary's
 * `collect` with this worker's registry, and turns a local scrape into a `scrape` request whose
 * answer is the cluster-wide text.
 */
import type { Registry } from 'prom-client';
import {
  COLLECTED,
  SCRAPE,
  isCollect,
  isScraped,
  type CollectedMessage,
  type ScrapeMessage,
  type ScrapedMessage,
} from './metrics-protocol.js';

/** The slice of `process` (or a cluster worker's IPC endpoint) this module needs. */
export interface IpcProcess {
  send?(message: unknown, sendHandle?: undefined, options?: undefined, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

export interface RenderedMetrics {
  contentType: string;
  body: string;
}

export interface WorkerMetricsChannel {
  /** Asks the primary for the aggregated exposition text of all workers. */
  requestClusterMetrics(timeoutMs?: number): Promise<RenderedMetrics>;
  close(): void;
}

// Above the primary's per-collection timeout (2 s) so a slow worker yields a partial answer
// from the primary instead of an error here, and below Prometheus' default 10 s scrape timeout.
const DEFAULT_SCRAPE_TIMEOUT_MS = 8_000;

export function attachWorkerChannel(registry: Registry, ipc: IpcProcess): WorkerMetricsChannel {
  let nextId = 0;
  let closed = false;
  const pending = new Map<number, (answer: ScrapedMessage | Error) => void>();

  const send = (message: ScrapeMessage | CollectedMessage): Promise<void> =>
    new Promise((resolve, reject) => {
      if (!ipc.send) return reject(new Error('no IPC channel to the cluster primary'));
      try {
        ipc.send(message, undefined, undefined, (error) => (error ? reject(error) : resolve()));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });

  const answerCollect = async (id: number): Promise<void> => {
    let reply: CollectedMessage;
    try {
      reply = { type: COLLECTED, id, metrics: await registry.getMetricsAsJSON() };
    } catch (error) {
      reply = { type: COLLECTED, id, error: error instanceof Error ? error.message : String(error) };
    }
    // The primary may be gone (shutdown); it then no longer needs the answer.
    await send(reply).catch(() => undefined);
  };

  const onMessage = (message: unknown): void => {
    if (isCollect(message)) void answerCollect(message.id);
    else if (isScraped(message)) pending.get(message.id)?.(message);
  };
  ipc.on('message', onMessage);

  return {
    requestClusterMetrics(timeoutMs = DEFAULT_SCRAPE_TIMEOUT_MS) {
      if (closed) return Promise.reject(new Error('metrics channel is closed'));
      const id = nextId++;
      return new Promise<RenderedMetrics>((resolve, reject) => {
        const timer = setTimeout(
          () => settle(new Error(`cluster primary did not answer the metrics scrape within ${timeoutMs} ms`)),
          timeoutMs,
        );
        function settle(answer: ScrapedMessage | Error): void {
          clearTimeout(timer);
          pending.delete(id);
          if (answer instanceof Error) reject(answer);
          else if (answer.error !== undefined || answer.body === undefined) {
            reject(new Error(`cluster metrics aggregation failed: ${answer.error ?? 'empty answer'}`));
          } else resolve({ contentType: answer.contentType ?? registry.contentType, body: answer.body });
        }
        pending.set(id, settle);
        send({ type: SCRAPE, id }).catch((error: Error) => settle(error));
      });
    },
    close() {
      if (closed) return;
      closed = true;
      ipc.off('message', onMessage);
      for (const settle of [...pending.values()]) settle(new Error('metrics channel closed'));
    },
  };
}
