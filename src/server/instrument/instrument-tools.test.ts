import { describe, expect, it } from 'vitest';
import { envSettings } from '../../../test/support/gateway.js';
import type { GatewayTool, ToolRunContext } from '../../tools/types.js';
import { defaultObservability } from '../observability.js';
import { createGatewayTools } from '../../tools/types.js';
import { instrumentTool, ObservedTools } from './instrument-tools.js';
import { newObservation } from './request-observation.js';

function fakeTool(outcome: 'completed' | 'failed' | 'throws'): GatewayTool {
  return {
    kind: 'code_interpreter',
    modelTools: () => [],
    owns: () => true,
    presenter: () => ({ createItem: () => ({}) as never, argumentsDelta: () => {}, argumentsDone: () => true }),
    toModelItems: () => null,
    run: async (_call, ctx) => {
      await new Promise((r) => setTimeout(r, 5));
      if (outcome === 'throws') throw new Error('helper down');
      (ctx.item as { status?: string }).status = outcome;
    },
  };
}

const ctx = { item: { type: 'code_interpreter_call', status: 'in_progress' } } as unknown as ToolRunContext;
const call = { call_id: 'call_1', name: 'python', arguments: '{}' };

describe('instrumentTool', () => {
  it('counts executions, failures (failed items and throws), duration, and the request tools time', async () => {
    const obs = defaultObservability(envSettings());
    const observation = newObservation();
    await instrumentTool(fakeTool('completed'), obs, observation).run(call, ctx);
    await instrumentTool(fakeTool('failed'), obs, observation).run(call, ctx);
    await expect(instrumentTool(fakeTool('throws'), obs, observation).run(call, ctx)).rejects.toThrow('helper down');
    const m = obs.metrics!;
    const value = async (name: string) =>
      (await m.registry.getSingleMetric(name)!.get()).values.find((v) => v.labels.tool_type === 'code_interpreter' && !('le' in v.labels))?.value;
    expect(await value('vllm_responses_tool_calls_executed_total')).toBe(3);
    expect(await value('vllm_responses_tool_errors_total')).toBe(2);
    const hist = (await m.registry.getSingleMetric('vllm_responses_tool_execution_duration_seconds')!.get()).values as { metricName?: string; value: number }[];
    expect(hist.find((v) => v.metricName?.endsWith('_count'))?.value).toBe(3);
    expect(observation.timings.tools_ms).toBeGreaterThanOrEqual(10);
  });

  it("records a tool run into the observation of the request whose view resolved it, and no other's", async () => {
    const obs = defaultObservability(envSettings());
    const shared = createGatewayTools([instrumentTool(fakeTool('completed'), obs)]);
    const mine = newObservation();
    const other = newObservation();
    const entry = { type: 'code_interpreter', container: { type: 'auto' } } as never;
    const resolved = new ObservedTools(shared, mine).resolve('python', [entry]);
    expect(resolved?.tool.kind).toBe('code_interpreter');
    await resolved!.tool.run(call, ctx);
    await new ObservedTools(shared, other).resolve('python', [entry])!.tool.run(call, ctx);
    const recorded = mine.timings.tools_ms;
    expect(recorded).toBeGreaterThan(0);
    expect(other.timings.tools_ms).toBeGreaterThan(0);
    // The shared registry itself records into no request.
    await shared.resolve('python', [entry])!.tool.run(call, ctx);
    expect(mine.timings.tools_ms).toBe(recorded);
  });
});
