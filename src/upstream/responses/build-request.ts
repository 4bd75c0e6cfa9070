import type { Item } from '../../api/items.js';
import { applyPassThrough } from '../pass-through.js';
import type { ModelToolChoice, ResponseFormat, TurnRequest } from '../types.js';

/**
 * TurnRequest → a native `POST /v1/responses` body for the upstream (vLLM's own Responses API).
 * The gateway owns all state: every turn sends the full model-facing history with
 * `store: false`, never the upstream's `previous_response_id`.
 */
export function buildResponsesRequest(req: TurnRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: req.model,
    input: req.items.map(toUpstreamItem),
    stream: true,
    store: false,
  };
  if (req.instructions !== null) body.instructions = req.instructions;
  if (req.tools.length) {
    body.tools = req.tools.map((t) => ({ type: 'function', name: t.name, description: t.description ?? null, parameters: t.parameters ?? { type: 'object', properties: {} }, strict: t.strict ?? false }));
    body.tool_choice = toolChoice(req.toolChoice);
    if (req.parallelToolCalls !== null) body.parallel_tool_calls = req.parallelToolCalls;
  }
  if (req.maxOutputTokens !== null) body.max_output_tokens = req.maxOutputTokens;
  applyPassThrough(body, req.params, 'responses');
  if (req.reasoningEffort !== null) body.reasoning = { effort: req.reasoningEffort };
  if (req.logprobs) {
    body.include = ['message.output_text.logprobs'];
    if (req.topLogprobs !== null) body.top_logprobs = req.topLogprobs;
  }
  const format = textFormat(req.responseFormat);
  if (format || req.verbosity) body.text = { ...(format ? { format } : {}), ...(req.verbosity ? { verbosity: req.verbosity } : {}) };
  return body;
}

function toolChoice(choice: ModelToolChoice): unknown {
  return typeof choice === 'string' ? choice : { type: 'function', name: choice.name };
}

function textFormat(format: ResponseFormat | null): unknown {
  if (!format || format.type === 'text') return null;
  if (format.type === 'json_object') return { type: 'json_object' };
  return { type: 'json_schema', name: format.name, schema: format.schema, strict: format.strict ?? false, ...(format.description ? { description: format.description } : {}) };
}

/** Items go upstream as Responses input items, minus fields only the gateway's store needs. */
function toUpstreamItem(item: Item): Record<string, unknown> {
  switch (item.type) {
    case 'message':
      return { type: 'message', role: item.role, content: item.content };
    case 'function_call':
      return { type: 'function_call', call_id: item.call_id, name: item.name, arguments: item.arguments };
    case 'function_call_output':
      return { type: 'function_call_output', call_id: item.call_id, output: item.output };
    case 'reasoning':
      return { type: 'reasoning', id: item.id, summary: item.summary, ...(item.content ? { content: item.content } : {}) };
    default:
      // Gateway-tool items are rewritten into function items before they reach an adapter.
      return { ...item };
  }
}
