import type { ModelToolChoice, ResponseFormat, TurnRequest } from '../types.js';
import type { ChatCompletionRequestBody, ChatResponseFormat, ChatTool, ChatToolChoice } from './chat-types.js';
import { convertToChatMessages, type ConvertOptions } from './convert-to-chat-messages.js';
import { applyPassThrough } from '../pass-through.js';

/**
 * TurnRequest → Chat Completions request body. A turn someone watches live (`req.stream`, see
 * TurnRequest) asks the upstream to stream, with usage in the trailing chunk; any other turn asks
 * for one JSON answer (`stream: false`: fewer bytes to encode and parse than a chunk per token),
 * which parse-completion.ts turns into the same model events.
 *
 * `max_output_tokens` is sent as `max_tokens`, the field every vLLM release and every
 * OpenAI-compatible server understands (README, "API"). OpenAI's own reasoning
 * models want `max_completion_tokens` instead; the gateway targets self-hosted servers first.
 */
export function buildChatRequest(req: TurnRequest, options: ConvertOptions = {}): ChatCompletionRequestBody {
  const body: ChatCompletionRequestBody = {
    model: req.model,
    messages: convertToChatMessages(req.instructions, req.items, options),
    stream: req.stream !== false,
  };
  // vLLM refuses stream_options on a non-streamed request.
  if (body.stream) body.stream_options = { include_usage: true };
  if (req.maxOutputTokens !== null) body.max_tokens = req.maxOutputTokens;
  applyPassThrough(body as unknown as Record<string, unknown>, req.params, 'chat');
  if (req.verbosity) body.verbosity = req.verbosity;
  if (req.tools.length) {
    body.tools = req.tools.map(convertTool);
    body.tool_choice = convertToolChoice(req.toolChoice);
    if (req.parallelToolCalls !== null) body.parallel_tool_calls = req.parallelToolCalls;
  }
  if (req.logprobs) {
    body.logprobs = true;
    if (req.topLogprobs !== null && req.topLogprobs > 0) body.top_logprobs = req.topLogprobs;
  }
  if (req.reasoningEffort !== null) body.reasoning_effort = req.reasoningEffort;
  const format = req.responseFormat ? convertResponseFormat(req.responseFormat) : null;
  if (format) body.response_format = format;
  return body;
}

function convertTool(tool: TurnRequest['tools'][number]): ChatTool {
  const fn: ChatTool['function'] = { name: tool.name };
  if (tool.description != null) fn.description = tool.description;
  if (tool.parameters != null) fn.parameters = tool.parameters;
  if (tool.strict != null) fn.strict = tool.strict;
  return { type: 'function', function: fn };
}

function convertToolChoice(choice: ModelToolChoice): ChatToolChoice {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

function convertResponseFormat(format: ResponseFormat): ChatResponseFormat | null {
  switch (format.type) {
    case 'text':
      return null; // the default; some servers reject an explicit {type:"text"}
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema': {
      const json_schema: Extract<ChatResponseFormat, { type: 'json_schema' }>['json_schema'] = { name: format.name, schema: format.schema };
      if (format.strict != null) json_schema.strict = format.strict;
      if (format.description != null) json_schema.description = format.description;
      return { type: 'json_schema', json_schema };
    }
  }
}
