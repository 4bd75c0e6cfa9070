/**
 * The engine's dependencies with the instrument decorators around the upstream adapter, the
 * store and the tools, and the same dependencies as one request sees them: decorators bound to
 * that request's observation (a few small objects per request), so the phase timings reach the
 * request log line without the engine carrying any observability handle.
 */
import type { EngineDeps } from '../../engine/run-response.js';
import type { ResponseStore } from '../../store/types.js';
import type { GatewayTool } from '../../tools/types.js';
import { createGatewayTools } from '../../tools/types.js';
import type { UpstreamAdapter } from '../../upstream/types.js';
import type { GatewayObservability } from '../observability.js';
import { instrumentAdapter, type ApiKind } from './instrument-adapter.js';
import { InstrumentedStore } from './instrument-store.js';
import { instrumentTool, ObservedTools } from './instrument-tools.js';
import type { RequestObservation } from './request-observation.js';

/** The engine as one request sees it; null (no request log plugin): the shared, unbound one. */
export type EngineFor = (observation: RequestObservation | null) => EngineDeps;

export interface ObservedEngine {
  /** Bound to no request: work outside a request (background run sweeps, WebSocket runs). */
  engine: EngineDeps;
  forRequest: EngineFor;
}

export interface EngineParts {
  adapter: UpstreamAdapter;
  apiKind: ApiKind;
  store: ResponseStore | null;
  tools: GatewayTool[];
}

export function observedEngine(parts: EngineParts, rest: Omit<EngineDeps, 'adapter' | 'store' | 'tools'>, obs: GatewayObservability): ObservedEngine {
  const tools = createGatewayTools(parts.tools.map((tool) => instrumentTool(tool, obs)));
  // Labels the model's tool calls by tool type: the registry lookup needs no observation.
  const adapterFor = instrumentAdapter(parts.adapter, parts.apiKind, tools, obs);
  const store = parts.store ? InstrumentedStore.create(parts.store, obs) : null;
  const engine: EngineDeps = { ...rest, adapter: adapterFor(null), store, tools };
  const forRequest: EngineFor = (observation) =>
    observation ? { ...engine, adapter: adapterFor(observation), store: store?.forRequest(observation) ?? null, tools: new ObservedTools(tools, observation) } : engine;
  return { engine, forRequest };
}
