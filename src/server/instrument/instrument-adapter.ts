/**
 * Observes every upstream model call without the engine knowing: a CLIENT span per call with
 * `traceparent` injected into that call's headers (computed inside the span, so the upstream's
 * own spans become its children), time-to-first-token and duration histograms, the tool calls
 * the model requested, and (with VR_LOG_MODEL_MESSAGES) the model-facing messages.
 */
import { SpanKind, context, trace, type Span } from '@opentelemetry/api';
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

/** What every observed turn of one adapter shares: built once, not per turn. */
interface TurnObserver {
  apiKind: ApiKind;
  metrics: GatewayObservability['metrics'];
  toolType: (name: string, observation: RequestObservation | null) => string;
}

/**
 * One observed turn: an iterator around the inner one rather than an async generator (a
 * generator would add two promise hops per upstream read, per token on a fast upstream, just
 * to look at the batches), and a class so that a turn costs one object and two bound handlers
 * rather than a closure per step.
 */
class ObservedTurn implements AsyncIterator<ModelEvent[]> {
  readonly #started = performance.now();
  #firstToken = true;
  #ended = false;

  constructor(
    private readonly observer: TurnObserver,
    private readonly turn: AsyncIterator<ModelEvent[]>,
    private readonly span: Span | null,
    private readonly observation: RequestObservation | null,
  ) {}

  next(): Promise<IteratorResult<ModelEvent[]>> {
    return this.turn.next().then(this.#onResult, this.#onError);
  }

  async return(): Promise<IteratorResult<ModelEvent[]>> {
    try {
      await this.turn.return?.();
    } finally {
      this.#end();
    }
    return { done: true, value: undefined };
  }

  readonly #onResult = (r: IteratorResult<ModelEvent[]>): IteratorResult<ModelEvent[]> => {
    if (r.done) this.#end();
    else this.#observe(r.value);
    return r;
  };

  readonly #onError = (error: unknown): never => {
    if (this.span) markSpanError(this.span, error);
    this.#end();
    throw error;
  };

  /** Also reached when the consumer stops early (client gone): the call ended then too. */
  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const ms = performance.now() - this.#started;
    this.observer.metrics?.recordUpstreamRequest(this.observer.apiKind, ms / 1000);
    addTiming(this.observation, 'upstream_ms', ms);
    this.span?.end();
  }

  #observe(batch: ModelEvent[]): void {
    const { metrics, apiKind } = this.observer;
    for (const ev of batch) {
      if (this.#firstToken && isGenerated(ev)) {
        this.#firstToken = false;
        const ms = performance.now() - this.#started;
        metrics?.recordUpstreamTimeToFirstToken(apiKind, ms / 1000);
        this.span?.addEvent('first_token');
        const timings = this.observation?.timings;
        if (timings && timings.upstream_first_token_ms === undefined) timings.upstream_first_token_ms = ms;
      }
      if (ev.type === 'tool_call.start') metrics?.toolCallsRequested.inc({ tool_type: this.observer.toolType(ev.name, this.observation) });
    }
  }
}

export function instrumentAdapter(inner: UpstreamAdapter, apiKind: ApiKind, tools: GatewayTools, obs: GatewayObservability): ObservedAdapter {
  const { metrics, tracer, logger, tracingEnabled: tracing } = obs;
  const logMessages = obs.log.modelMessages && logger !== null;
  const observer: TurnObserver = {
    apiKind,
    metrics,
    toolType: (name, observation) => tools.resolve(name, observation?.requestTools ?? [])?.tool.kind ?? 'function',
  };

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
    // The call is timed from here: the inner turn sends its request on the first next().
    return new ObservedTurn(observer, inner.streamTurn(sent)[Symbol.asyncIterator](), span, observation);
  }
  const unobserved: UpstreamAdapter = { streamTurn: (req) => streamTurn(req, null) };
  return (observation) => (observation ? { streamTurn: (req) => streamTurn(req, observation) } : unobserved);
}
