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
    input: upstreamItems(req),
    stream: true,
    store: false,
  };
  if (req.instructions !== null) body.instructions = req.instructions;
  if (req.tools.length) {
    // Custom tools go as they are: a native upstream constrains their input itself.
    body.tools = req.tools.map((t) =>
      t.custom
        ? { type: 'custom', name: t.name, description: t.custom.description ?? null, format: t.custom.format }
        : { type: 'function', name: t.name, description: t.description ?? null, parameters: t.parameters ?? { type: 'object', properties: {} }, strict: t.strict ?? false },
    );
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

/**
 * The history as Responses input items. Calls to this turn's custom tools (and their outputs)
 * go back as `custom_tool_call` / `custom_tool_call_output`, the way the upstream made them.
 */
function upstreamItems(req: TurnRequest): Record<string, unknown>[] {
  const customNames = new Set(req.tools.filter((t) => t.custom).map((t) => t.name));
  if (customNames.size === 0) return req.items.map(toUpstreamItem);
  const customCalls = new Set<string>();
  return req.items.map((item) => {
    if (item.type === 'function_call' && customNames.has(item.name)) {
      customCalls.add(item.call_id);
      return { type: 'custom_tool_call', call_id: item.call_id, name: item.name, input: customInput(item.arguments) };
    }
    if (item.type === 'function_call_output' && customCalls.has(item.call_id)) return { type: 'custom_tool_call_output', call_id: item.call_id, output: item.output };
    return toUpstreamItem(item);
  });
}

function customInput(args: string): string {
  try {
    const parsed = JSON.parse(args) as { input?: unknown };
    if (typeof parsed.input === 'string') return parsed.input;
  } catch {
    // the raw text is the input
  }
  return args;
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
