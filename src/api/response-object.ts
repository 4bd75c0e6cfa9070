import { specOf } from '../tools/catalog.js';
import type { Item } from './items.js';
import type { CreateResponseRequest, RequestTool, ToolChoice } from './request-schema.js';

export type ResponseStatus = 'queued' | 'in_progress' | 'completed' | 'incomplete' | 'failed' | 'cancelled';

export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** The public response resource (`object: "response"`), field for field what clients parse. */
export interface ResponseResource {
  id: string;
  object: 'response';
  created_at: number;
  completed_at: number | null;
  status: ResponseStatus;
  background: boolean;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: string } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  max_tool_calls: number | null;
  model: string;
  output: Item[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  prompt_cache_key: string | null;
  prompt_cache_retention: string | null;
  reasoning: { effort: string | null; summary: string | null };
  safety_identifier: string | null;
  service_tier: string;
  store: boolean;
  temperature: number;
  text: { format: Record<string, unknown>; verbosity: string };
  tool_choice: ToolChoice;
  tools: Record<string, unknown>[];
  top_logprobs: number;
  top_p: number;
  presence_penalty: number;
  frequency_penalty: number;
  truncation: string;
  usage: ResponseUsage | null;
  user: string | null;
  metadata: Record<string, string>;
  /** Set when the request named a conversation (OpenAI's `conversation: { id }`). */
  conversation?: { id: string };
}

/** How a tool is echoed in the response's `tools`: gateway tools say so themselves. */
export function echoTool(tool: RequestTool): Record<string, unknown> {
  if (tool.type === 'function') {
    return { type: 'function', name: tool.name, description: tool.description ?? null, parameters: tool.parameters ?? null, strict: tool.strict ?? null };
  }
  return specOf(tool)?.echo(tool) ?? { ...tool };
}

function echoFormat(req: CreateResponseRequest): Record<string, unknown> {
  const f = req.text?.format;
  if (!f || f.type !== 'json_schema') return f ?? { type: 'text' };
  return { type: 'json_schema', name: f.name, schema: f.schema, strict: f.strict ?? false, description: f.description ?? null };
}

/**
 * The in-progress skeleton of a response, with every request setting echoed and OpenAI's
 * defaults filled in where the request is silent. `tools`/`toolChoice` are the effective ones
 * (a continuation may inherit them from the previous response).
 */
export function initialResponse(
  req: CreateResponseRequest,
  id: string,
  createdAt: number,
  tools: RequestTool[],
  toolChoice: ToolChoice,
): ResponseResource {
  return {
    id,
    object: 'response',
    created_at: createdAt,
    completed_at: null,
    // A background response is accepted first (`queued`) and runs detached from the request.
    status: req.background ? 'queued' : 'in_progress',
    background: req.background ?? false,
    error: null,
    incomplete_details: null,
    instructions: req.instructions ?? null,
    max_output_tokens: req.max_output_tokens ?? null,
    max_tool_calls: req.max_tool_calls ?? null,
    model: req.model,
    output: [],
    parallel_tool_calls: req.parallel_tool_calls ?? true,
    previous_response_id: req.previous_response_id ?? null,
    prompt_cache_key: req.prompt_cache_key ?? null,
    prompt_cache_retention: req.prompt_cache_retention ?? null,
    reasoning: { effort: req.reasoning?.effort ?? null, summary: req.reasoning?.summary ?? req.reasoning?.generate_summary ?? null },
    safety_identifier: req.safety_identifier ?? null,
    service_tier: req.service_tier ?? 'default',
    store: req.store ?? true,
    temperature: req.temperature ?? 1,
    text: { format: echoFormat(req), verbosity: req.text?.verbosity ?? 'medium' },
    tool_choice: toolChoice,
    tools: tools.map(echoTool),
    top_logprobs: req.top_logprobs ?? 0,
    top_p: req.top_p ?? 1,
    presence_penalty: req.presence_penalty ?? 0,
    frequency_penalty: req.frequency_penalty ?? 0,
    truncation: req.truncation ?? 'disabled',
    usage: null,
    user: req.user ?? null,
    metadata: req.metadata ?? {},
    ...(req.conversation ? { conversation: { id: typeof req.conversation === 'string' ? req.conversation : req.conversation.id } } : {}),
  };
}
