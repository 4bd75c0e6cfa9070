/**
 * The IPC messages by which cluster workers and the primary aggregate metrics. Every message
 * carries a namespaced `type`, so it coexists with other supervisor ⇄ worker messages.
 *
 *   worker W (serving GET /metrics)            primary                      every worker
 *   ── scrape {id} ───────────────────────────▶
 *                                             ── collect {id} ───────────▶
 *                                             ◀─ collected {id, metrics} ─
 *   ◀─ scraped {id, contentType, body | error} ─
 *
 * `metrics` is `registry.getMetricsAsJSON()`: plain JSON (histogram `le` is the string `+Inf`),
 * so it survives the default JSON IPC serialization.
 */
import type { Registry } from 'prom-client';

export const SCRAPE = 'vllm-responses:metrics:scrape';
export const SCRAPED = 'vllm-responses:metrics:scraped';
export const COLLECT = 'vllm-responses:metrics:collect';
export const COLLECTED = 'vllm-responses:metrics:collected';

/** One process's metrics as `Registry#getMetricsAsJSON()` returns them. */
export type WorkerMetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

export interface ScrapeMessage {
  type: typeof SCRAPE;
  id: number;
}
export interface ScrapedMessage {
  type: typeof SCRAPED;
  id: number;
  contentType?: string;
  body?: string;
  error?: string;
}
export interface CollectMessage {
  type: typeof COLLECT;
  id: number;
}
export interface CollectedMessage {
  type: typeof COLLECTED;
  id: number;
  metrics?: WorkerMetricsJson;
  error?: string;
}

function hasType(message: unknown, type: string): message is { type: string; id: number } {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === type &&
    typeof (message as { id?: unknown }).id === 'number'
  );
}

export const isScrape = (m: unknown): m is ScrapeMessage => hasType(m, SCRAPE);
export const isScraped = (m: unknown): m is ScrapedMessage => hasType(m, SCRAPED);
export const isCollect = (m: unknown): m is CollectMessage => hasType(m, COLLECT);
export const isCollected = (m: unknown): m is CollectedMessage => hasType(m, COLLECTED);
