/**
 * Observes every upstream model call without the engine knowing: a CLIENT span per call with
 * `traceparent` injected into that call's headers (computed inside the span, so the upstream's
 * own spans become its children), time-to-first-token and duration histograms, the tool calls
 * the model requested, and (with VR_LOG_MODEL_MESSAGES) the model-facing messages.
 */
import { SpanKind, context, trace } from '@opentelemetry/api';
import type { ModelEvent } from '../../model/events.js';
import { injectTraceHeaders, markSpanError } from '../../observability/index.js';
import type { GatewayTools } from '../../tools/types.js';
import type { TurnRequest, UpstreamAdapter } from '../../upstream/types.js';
import type { GatewayObservability } from '../observability.js';
import { addTiming, type RequestObservation } from './request-observation.js';

export type ApiKind = 'chat_completions' | 'responses';

/** The events that carry generated output: the first one marks the time to first token. */
function isGenerated(ev: ModelEvent): boolean {
  return ev.type === 'text.delta' || ev.type === 'reasoning.delta' || ev.type === 'refusal.delta' || ev.type === 'tool_call.start';
}

/** The instrumented adapter for one request: `observedAdapter(observation)` (cheap: one closure). */
export type ObservedAdapter = (observation: RequestObservation | null) => UpstreamAdapter;

export function instrumentAdapter(inner: UpstreamAdapter, apiKind: ApiKind, tools: GatewayTools, obs: GatewayObservability): ObservedAdapter {
  const { metrics, tracer, logger, tracingEnabled: tracing } = obs;
  const logMessages = obs.log.modelMessages && logger !== null;

  const toolType = (name: string, observation: RequestObservation | null): string => tools.resolve(name, observation?.requestTools ?? [])?.tool.kind ?? 'function';

  /**
   * An iterator around the inner one rather than an async generator: a generator would add two
   * promise hops per upstream read (per token on a fast upstream) just to look at the batches.
   */
  function streamTurn(req: TurnRequest, observation: RequestObservation | null): AsyncIterable<ModelEvent[]> {
    // Nothing starts (no span, no request) until the caller iterates, as with a generator.
    return { [Symbol.asyncIterator]: () => observed(req, observation) };
  }

  function observed(req: TurnRequest, observation: RequestObservation | null): AsyncIterator<ModelEvent[]> {
    // Tracing off: no span, and the request goes as it is (no propagator would add a header).
    const span = tracing
      ? tracer.startSpan(`upstream ${apiKind}`, {
          kind: SpanKind.CLIENT,
          attributes: { 'vr.upstream.api_kind': apiKind, 'gen_ai.request.model': req.model },
        })
      : null;
    const sent = span ? { ...req, headers: injectTraceHeaders({ ...req.headers }, trace.setSpan(context.active(), span)) } : req;
    if (logMessages) {
      logger.info({ model: req.model, instructions: req.instructions, messages: req.items, tools: req.tools.map((t) => t.name) }, 'model request');
    }
    const started = performance.now();
    let firstToken = true;
    let ended = false;
    // Also reached when the consumer stops early (client gone): the call ended then too.
    const end = () => {
      if (ended) return;
      ended = true;
      const ms = performance.now() - started;
      metrics?.recordUpstreamRequest(apiKind, ms / 1000);
      addTiming(observation, 'upstream_ms', ms);
      span?.end();
    };
    const observe = (batch: ModelEvent[]) => {
      for (const ev of batch) {
        if (firstToken && isGenerated(ev)) {
          firstToken = false;
          const ms = performance.now() - started;
          metrics?.recordUpstreamTimeToFirstToken(apiKind, ms / 1000);
          span?.addEvent('first_token');
          const timings = observation?.timings;
          if (timings && timings.upstream_first_token_ms === undefined) timings.upstream_first_token_ms = ms;
        }
        if (ev.type === 'tool_call.start') metrics?.toolCallsRequested.inc({ tool_type: toolType(ev.name, observation) });
      }
    };
    const onResult = (r: IteratorResult<ModelEvent[]>) => {
      if (r.done) end();
      else observe(r.value);
      return r;
    };
    const onError = (error: unknown): never => {
      if (span) markSpanError(span, error);
      end();
      throw error;
    };
    const turn = inner.streamTurn(sent)[Symbol.asyncIterator]();
    return {
      next: () => turn.next().then(onResult, onError),
      return: async () => {
        try {
          await turn.return?.();
        } finally {
          end();
        }
        return { done: true, value: undefined };
      },
    };
  }
  const unobserved: UpstreamAdapter = { streamTurn: (req) => streamTurn(req, null) };
  return (observation) => (observation ? { streamTurn: (req) => streamTurn(req, observation) } : unobserved);
}
