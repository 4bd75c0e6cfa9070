import type { RequestTool, ToolChoice } from '../api/request-schema.js';
import type { ModelTool, ModelToolChoice } from '../upstream/types.js';
import { mcpFunctionName } from '../tools/mcp/names.js';
import type { GatewayTools, ToolPreparations } from '../tools/types.js';

export interface ModelToolSet {
  tools: ModelTool[];
  choice: ModelToolChoice;
}

function functionTool(tool: Extract<RequestTool, { type: 'function' }>): ModelTool {
  return { name: tool.name, description: tool.description ?? null, parameters: tool.parameters ?? null, strict: tool.strict ?? null };
}

/**
 * What the model is shown for one turn: client functions as they are, gateway tools as the
 * functions they expose, and the tool_choice translated to what a Chat Completions upstream
 * understands (`allowed_tools` has no upstream equivalent, so the list itself is restricted).
 * `withGatewayTools: false` is the last turn after `max_tool_calls` is reached.
 */
export function modelToolsFor(tools: RequestTool[], choice: ToolChoice, gateway: GatewayTools, withGatewayTools = true, preparations?: ToolPreparations): ModelToolSet {
  const entries: { source: RequestTool; fns: ModelTool[] }[] = tools.map((t) => ({
    source: t,
    fns: t.type === 'function' ? [functionTool(t)] : withGatewayTools ? gateway.modelToolsFor(t, preparations) : [],
  }));
  const all = () => entries.flatMap((e) => e.fns);

  if (typeof choice === 'string') return { tools: all(), choice };
  switch (choice.type) {
    case 'function':
      return { tools: all(), choice: { name: choice.name } };
    case 'allowed_tools': {
      const keep = entries.filter(({ source }) =>
        choice.tools.some((ref) => {
          if (ref.type === 'function') return source.type === 'function' && source.name === ref.name;
          if (ref.type === 'mcp') return source.type === 'mcp' && source.server_label === ref.server_label;
          return source.type.startsWith(ref.type.startsWith('web_search') ? 'web_search' : ref.type);
        }),
      );
      return { tools: keep.flatMap((e) => e.fns), choice: choice.mode };
    }
    case 'mcp': {
      const entry = entries.find(({ source }) => source.type === 'mcp' && source.server_label === choice.server_label);
      const fns = entry?.fns ?? [];
      const named = choice.name ? fns.filter((f) => f.name === mcpFunctionName(choice.server_label, choice.name ?? '')) : fns;
      return { tools: named, choice: named.length === 1 && named[0] ? { name: named[0].name } : 'required' };
    }
    default: {
      const kind = choice.type.startsWith('web_search') ? 'web_search' : choice.type;
      const entry = entries.find(({ source }) => source.type.startsWith(kind));
      const fns = entry?.fns ?? [];
      if (fns.length === 0) return { tools: all(), choice: 'auto' };
      return { tools: all(), choice: fns.length === 1 && fns[0] ? { name: fns[0].name } : 'required' };
    }
  }
}
