/**
 * Per-request observation state that the engine never sees: the decorators around the upstream
 * adapter, the tools and the store (instrument-*.ts) add their phase timings here, and the
 * request log line reads them.
 *
 * It is passed explicitly: the request-log plugin creates one per request (`request.observation`)
 * and the routes run the engine with decorators bound to it (observed-engine.ts). Not an
 * AsyncLocalStorage: with one active, Node runs its promise hooks on every promise of every
 * request, a fixed cost per promise on the gateway's only event loop.
 */
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

export function newObservation(): RequestObservation {
  return { timings: {}, requestTools: [] };
}

/** Adds `ms` to a phase of `observation` (none: work outside any request, e.g. a run registry sweep). */
export function addTiming(observation: RequestObservation | null, phase: keyof PhaseTimings, ms: number): void {
  if (observation) observation.timings[phase] = (observation.timings[phase] ?? 0) + ms;
}
