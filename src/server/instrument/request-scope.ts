/**
 * Per-request observation state that the engine never sees: the decorators around the upstream
 * adapter, the tools and the store (instrument-*.ts) add their phase timings here, and the
 * request log line reads them. It travels with the request through AsyncLocalStorage because
 * the engine's interfaces (rightly) carry no per-request observability handle.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestTool } from '../../api/request-schema.js';

/** Milliseconds spent per phase; absent phases stay undefined and are left out of the log. */
export interface PhaseTimings {
  /** Rebuilding the conversation from `previous_response_id` (store.getHistory). */
  hydrate_ms?: number;
  /** First upstream call: request sent → first generated token. */
  upstream_first_token_ms?: number;
  /** All upstream calls, until each response was fully read. */
  upstream_ms?: number;
  /** Gateway tool executions, summed. */
  tools_ms?: number;
  /** Other store operations (persist, get, delete, list), summed. */
  store_ms?: number;
}

export interface RequestObservation {
  timings: PhaseTimings;
  /** The request's tools, so a model tool call can be labelled with its tool type. */
  requestTools: RequestTool[];
  /**
   * How the response ended when that is not the HTTP status (a stream answers 200, then may fail):
   * the request log line carries it.
   */
  outcome?: { responseId: string; status: string; errorCode?: string | null };
}

export interface RequestScope {
  /** Runs `fn` (and everything it starts) with `observation` as the current one. */
  run<T>(observation: RequestObservation, fn: () => T): T;
  current(): RequestObservation | undefined;
  /** Adds `ms` to a phase of the current request, if any. */
  add(phase: keyof PhaseTimings, ms: number): void;
}

export function newObservation(): RequestObservation {
  return { timings: {}, requestTools: [] };
}

export function createRequestScope(): RequestScope {
  const storage = new AsyncLocalStorage<RequestObservation>();
  return {
    run: (observation, fn) => storage.run(observation, fn),
    current: () => storage.getStore(),
    add(phase, ms) {
      const timings = storage.getStore()?.timings;
      if (timings) timings[phase] = (timings[phase] ?? 0) + ms;
    },
  };
}
