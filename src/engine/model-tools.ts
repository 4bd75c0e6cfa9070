import type { RequestTool, ToolChoice } from '../api/request-schema.js';
import type { ModelTool, ModelToolChoice } from '../upstream/types.js';
import { selectsGatewayTool, specForChoice } from '../tools/catalog.js';
import { clientModelTools, isClientToolEntry, selectsClientTool } from '../tools/client/model-functions.js';
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
  // Most requests: no tools, a plain choice (checked once per turn, so nothing built for it).
  if (tools.length === 0 && typeof choice === 'string') return { tools: [], choice };
  const entries: { source: RequestTool; fns: ModelTool[] }[] = tools.map((t) => ({
    source: t,
    fns: t.type === 'function' ? [functionTool(t)] : isClientToolEntry(t) ? clientModelTools(t) : withGatewayTools ? gateway.modelToolsFor(t, preparations) : [],
  }));
  const all = () => entries.flatMap((e) => e.fns);

  if (typeof choice === 'string') return { tools: all(), choice };
  switch (choice.type) {
    case 'function':
      return { tools: all(), choice: { name: choice.name } };
    case 'allowed_tools': {
      const keep = entries.filter(({ source }) =>
        choice.tools.some((ref) =>
          ref.type === 'function' ? source.type === 'function' && source.name === ref.name : selectsClientTool(source, ref) || selectsGatewayTool(source, ref),
        ),
      );
      return { tools: keep.flatMap((e) => e.fns), choice: choice.mode };
    }
    case 'custom':
    case 'local_shell':
    case 'shell':
    case 'apply_patch': {
      // A client tool is forced: its one function.
      const fns = entries.find(({ source }) => selectsClientTool(source, choice))?.fns ?? [];
      return { tools: all(), choice: fns[0] ? { name: fns[0].name } : 'required' };
    }
    default: {
      // A gateway tool is forced: the model must call one of that entry's functions.
      const entry = entries.find(({ source }) => selectsGatewayTool(source, choice));
      const fns = entry?.fns ?? [];
      const spec = specForChoice(choice);
      if (spec?.forcedFunctions) {
        const named = spec.forcedFunctions(choice, fns);
        return { tools: named, choice: named.length === 1 && named[0] ? { name: named[0].name } : 'required' };
      }
      if (fns.length === 0) return { tools: all(), choice: 'auto' };
      return { tools: all(), choice: fns.length === 1 && fns[0] ? { name: fns[0].name } : 'required' };
    }
  }
}
