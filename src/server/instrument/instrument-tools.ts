/**
 * Wraps a gateway tool so each execution gets a span, the executed/error counters, the duration
 * histogram and the request's `tools_ms` timing. The tool itself stays unaware of all of it.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import { withSpan } from '../../observability/index.js';
import type { GatewayTool } from '../../tools/types.js';
import type { GatewayObservability } from '../observability.js';

export function instrumentTool(tool: GatewayTool, obs: GatewayObservability): GatewayTool {
  const { metrics, tracer, scope } = obs;
  const labels = { tool_type: tool.kind };
  return {
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
          scope.add('tools_ms', ms);
        }
      }),
  };
}
