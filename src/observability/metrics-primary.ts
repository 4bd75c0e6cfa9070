/**
 * Primary side of cluster metrics (protocol in metrics-protocol.ts). On a worker's `scrape` it
 * collects every connected worker's registry as JSON, sums them with prom-client's
 * `AggregatorRegistry.aggregate`, and answers that worker with the exposition text.
 *
 * We drive the collection ourselves instead of `AggregatorRegistry#clusterMetrics()` because
 * the latter keeps state in prom-client's module (the registries to aggregate, in every worker)
 * and waits 5 s then fails the whole scrape when a single worker dies mid-collection. Here a
 * worker that exits or stays silent past `collectTimeoutMs` is simply left out of that scrape.
 */
import nodeCluster, { type Cluster, type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import {
  COLLECT,
  SCRAPED,
  isCollected,
  isScrape,
  type CollectMessage,
  type ScrapedMessage,
  type WorkerMetricsJson,
} from './metrics-protocol.js';
import type { RenderedMetrics } from './metrics-worker.js';

export interface MetricsPrimaryOptions {
  /** Defaults to `node:cluster`; must be the primary side. */
  cluster?: Cluster;
  /** How long to wait for each worker's metrics before rendering without it. Default 2000 ms. */
  collectTimeoutMs?: number;
  /**
   * Registries of the primary itself to add to the sum (e.g. the supervisor's own
   * `createMetrics().registry` where it records `mcp_server_startup_total`).
   */
  registries?: readonly Registry[];
}

export interface MetricsPrimary {
  /** The cluster-wide exposition text (what a worker's scrape receives). */
  collect(): Promise<RenderedMetrics>;
  /** Stops answering scrapes (removes the cluster listeners). Idempotent. */
  close(): void;
}

interface Collection {
  waiting: Set<number>; // worker ids that still owe an answer
  received: WorkerMetricsJson[];
  finish: () => void;
}

export function setupMetricsPrimary(options: MetricsPrimaryOptions = {}): MetricsPrimary {
  const cluster = options.cluster ?? nodeCluster;
  if (!cluster.isPrimary) throw new Error('setupMetricsPrimary() must be called in the cluster primary');
  const collectTimeoutMs = options.collectTimeoutMs ?? 2_000;
  const ownRegistries = options.registries ?? [];
  const collections = new Map<number, Collection>();
  let nextId = 0;
  // Concurrent scrapes (several Prometheus replicas, several workers) share one collection.
  let inFlight: Promise<RenderedMetrics> | null = null;

  const forget = (collection: Collection, workerId: number): void => {
    if (collection.waiting.delete(workerId) && collection.waiting.size === 0) collection.finish();
  };

  const collectOnce = async (): Promise<RenderedMetrics> => {
    const id = nextId++;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w?.isConnected() === true);
    const collection: Collection = { waiting: new Set(workers.map((w) => w.id)), received: [], finish: () => {} };
    const done = new Promise<void>((resolve) => {
      collection.finish = resolve;
    });
    collections.set(id, collection);
    const timer = setTimeout(() => collection.finish(), collectTimeoutMs);
    const message: CollectMessage = { type: COLLECT, id };
    for (const worker of workers) {
      worker.send(message, (error) => {
        if (error) forget(collection, worker.id);
      });
    }
    if (collection.waiting.size === 0) collection.finish();
    try {
      await done;
    } finally {
      clearTimeout(timer);
      collections.delete(id);
    }
    const local = await Promise.all(ownRegistries.map((registry) => registry.getMetricsAsJSON()));
    const aggregated = AggregatorRegistry.aggregate([...collection.received, ...local]);
    return { contentType: aggregated.contentType, body: await aggregated.metrics() };
  };

  const collect = (): Promise<RenderedMetrics> => {
    inFlight ??= collectOnce().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };

  const onMessage = (worker: Worker, message: unknown): void => {
    if (isCollected(message)) {
      const collection = collections.get(message.id);
      if (!collection || !collection.waiting.has(worker.id)) return; // late or duplicate answer
      if (message.metrics) collection.received.push(message.metrics);
      forget(collection, worker.id);
    } else if (isScrape(message)) {
      const reply = (answer: Omit<ScrapedMessage, 'type' | 'id'>): void => {
        if (!worker.isConnected()) return;
        worker.send({ type: SCRAPED, id: message.id, ...answer } satisfies ScrapedMessage, () => {});
      };
      collect().then(
        (rendered) => reply(rendered),
        (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }),
      );
    }
  };

  const onExit = (worker: Worker): void => {
    for (const collection of collections.values()) forget(collection, worker.id);
  };

  cluster.on('message', onMessage);
  cluster.on('exit', onExit);
  return {
    collect,
    close() {
      cluster.off('message', onMessage);
      cluster.off('exit', onExit);
    },
  };
}
