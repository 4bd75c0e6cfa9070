/**
 * The body of `GET /metrics`, in both deployment shapes: a cluster worker asks the primary for
 * the sum over all workers; a single process renders its own registry.
 */
import type { Metrics } from './metrics.js';
import type { RenderedMetrics } from './metrics-worker.js';

export type { RenderedMetrics } from './metrics-worker.js';

export async function renderMetrics(metrics: Metrics): Promise<RenderedMetrics> {
  if (metrics.clusterChannel) return metrics.clusterChannel.requestClusterMetrics();
  return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
}
