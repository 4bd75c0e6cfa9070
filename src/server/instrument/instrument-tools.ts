/**
 * Wraps a gateway tool so each execution gets a span, the executed/error counters, the duration
 * histogram and the request's `tools_ms` timing. The tool itself stays unaware of all of it.
 *
 * The registry the engine consults is shared; `ObservedTools` is one request's view of it, whose
 * `resolve` hands out the tool bound to that request's observation (only gateway tool calls pay
 * for the binding).
 */
import { SpanStatusCode } from '@opentelemetry/api';
import type { IdGenerator } from '../../api/ids.js';
import type { Item } from '../../api/items.js';
import type { RequestTool } from '../../api/request-schema.js';
import { withSpan } from '../../observability/index.js';
import type { GatewayTool, GatewayTools, ItemLookup, RequestPrepareContext, ToolPreparations } from '../../tools/types.js';
import type { GatewayObservability } from '../observability.js';
import { addTiming, type RequestObservation } from './request-observation.js';

/** Where an instrumented tool keeps the way to rebind it to a request's observation. */
const OBSERVING = Symbol('observing');

export function instrumentTool(tool: GatewayTool, obs: GatewayObservability, observation: RequestObservation | null = null): GatewayTool {
  const { metrics, tracer } = obs;
  const labels = { tool_type: tool.kind };
  const bound = (o: RequestObservation | null) => instrumentTool(tool, obs, o);
  const wrapped: GatewayTool & { [OBSERVING]: typeof bound } = {
    kind: tool.kind,
    ...(tool.prepare ? { prepare: tool.prepare.bind(tool) } : {}),
    modelTools: (entry, state) => tool.modelTools(entry, state),
    owns: (name, entry) => tool.owns(name, entry),
    presenter: (newId, entry, state) => tool.presenter(newId, entry, state),
    toModelItems: (item, lookup) => tool.toModelItems(item, lookup),
    run: (call, ctx) =>
      withSpan(tracer, `tool ${tool.kind}`, { 'vr.tool.type': tool.kind, 'vr.tool.call_id': call.call_id }, async (span) => {
        const started = performance.now();
        let failed = true;
        try {
          await tool.run(call, ctx);
          // A tool reports a failed execution (e.g. a Python exception) as a failed item, not a throw.
          failed = (ctx.item as { status?: string }).status === 'failed';
          if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: 'tool call failed' });
        } finally {
          const ms = performance.now() - started;
          metrics?.toolCallsExecuted.inc(labels);
          metrics?.toolExecutionDuration.observe(labels, ms / 1000);
          if (failed) metrics?.toolErrors.inc(labels);
          addTiming(observation, 'tools_ms', ms);
        }
      }),
    [OBSERVING]: bound,
  };
  return wrapped;
}

function observing(tool: GatewayTool, observation: RequestObservation): GatewayTool {
  const rebind = (tool as { [OBSERVING]?: (o: RequestObservation) => GatewayTool })[OBSERVING];
  return rebind ? rebind(observation) : tool;
}

/** One request's view of the shared (instrumented) registry: tool runs record into `observation`. */
export class ObservedTools implements GatewayTools {
  constructor(
    private readonly shared: GatewayTools,
    private readonly observation: RequestObservation,
  ) {}

  get enabledKinds(): ReadonlySet<string> {
    return this.shared.enabledKinds;
  }
  modelToolsFor(entry: RequestTool, preparations?: ToolPreparations) {
    return this.shared.modelToolsFor(entry, preparations);
  }
  resolve(name: string, tools: RequestTool[]) {
    const found = this.shared.resolve(name, tools);
    return found && { tool: observing(found.tool, this.observation), entry: found.entry };
  }
  toModelItems(item: Item, lookup?: ItemLookup) {
    return this.shared.toModelItems(item, lookup);
  }
  presenterFor(name: string, tools: RequestTool[], newId: IdGenerator, preparations?: ToolPreparations) {
    return this.shared.presenterFor(name, tools, newId, preparations);
  }
  prepare(tools: RequestTool[], ctx: RequestPrepareContext) {
    return this.shared.prepare(tools, ctx);
  }
}
