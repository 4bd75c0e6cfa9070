import { invalidRequest } from '../../api/errors.js';
import type { FunctionCallOutputItem, Item, MessageItem, ReasoningItem } from '../../api/items.js';
import type { ChatMessage, ChatToolCall } from './chat-types.js';
import { convertContentParts, textOfParts } from './convert-content-parts.js';

export interface ConvertOptions {
  /**
   * Role used for `developer` messages. Default `system`: vLLM accepts `developer` at the API
   * layer but passes the role to the model's chat template unchanged, and most Hugging Face
   * templates only know system/user/assistant/tool (Qwen's silently drops unknown roles, Llama's
   * prints them verbatim). `system` carries the same intent to every model.
   */
  developerRole?: 'system' | 'developer';
}

/** One assistant turn being assembled: its reasoning, its text, and the calls it made. */
interface AssistantTurn {
  reasoning: string[];
  text: string[];
  toolCalls: ChatToolCall[];
}

/**
 * The model-facing history (plus instructions) → Chat Completions `messages`.
 *
 * - `instructions` come first as a `system` message.
 * - An assistant turn is one message: reasoning items, assistant text and the `function_call`
 *   items that follow them are merged into a single assistant message with `tool_calls`
 *   (`content` null when the turn had no text), as a chat model produced them.
 * - Reasoning is given back in the `reasoning` field: current vLLM reads `reasoning` from
 *   assistant messages and hands it to the chat template under both `reasoning` and
 *   `reasoning_content`, while it ignores an incoming `reasoning_content`. Servers that do not
 *   know the field ignore it.
 * - `function_call_output` → `tool` message. Outputs must answer an earlier call and every call
 *   needs an output, as OpenAI enforces (400 otherwise).
 */
export function convertToChatMessages(instructions: string | null, items: readonly Item[], options: ConvertOptions = {}): ChatMessage[] {
  validateCallPairs(items);
  const developerRole = options.developerRole ?? 'system';
  const messages: ChatMessage[] = [];
  if (instructions) messages.push({ role: 'system', content: instructions });
  // Only histories with calls need their names (most have none).
  let callNames: Map<string, string> | null = null;
  let turn: AssistantTurn | null = null;

  const flush = (): void => {
    if (turn) messages.push(assistantMessage(turn));
    turn = null;
  };

  for (const item of items) {
    switch (item.type) {
      case 'reasoning': {
        const text = reasoningText(item);
        if (!text) break; // e.g. encrypted-only reasoning from another provider: nothing to give back
        if (turn && (turn.text.length || turn.toolCalls.length)) flush();
        turn ??= newTurn();
        turn.reasoning.push(text);
        break;
      }
      case 'message':
        if (item.role === 'assistant') {
          if (turn && (turn.text.length || turn.toolCalls.length)) flush();
          turn ??= newTurn();
          turn.text.push(textOfParts(item.content));
        } else {
          flush();
          messages.push(nonAssistantMessage(item, developerRole));
        }
        break;
      case 'function_call':
        turn ??= newTurn();
        turn.toolCalls.push({ id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } });
        (callNames ??= new Map()).set(item.call_id, item.name);
        break;
      case 'function_call_output':
        flush();
        messages.push(toolMessage(item, callNames?.get(item.call_id)));
        break;
      default:
        // The tool loop rewrites gateway-tool items into function_call pairs before we are called;
        // anything else left here has no Chat Completions form and is not model-visible.
        break;
    }
  }
  flush();
  return messages;
}

function newTurn(): AssistantTurn {
  return { reasoning: [], text: [], toolCalls: [] };
}

function assistantMessage(turn: AssistantTurn): ChatMessage {
  const text = turn.text.filter((t) => t !== '').join('\n');
  const message: ChatMessage = {
    role: 'assistant',
    // OpenAI wants null content next to tool_calls when there is no text; a reasoning-only turn
    // still needs a string.
    content: text || (turn.toolCalls.length ? null : ''),
  };
  if (turn.toolCalls.length) message.tool_calls = turn.toolCalls;
  if (turn.reasoning.length) message.reasoning = turn.reasoning.join('\n\n');
  return message;
}

function nonAssistantMessage(item: MessageItem, developerRole: 'system' | 'developer'): ChatMessage {
  const content = convertContentParts(item.content);
  if (item.role === 'user') return { role: 'user', content };
  return { role: item.role === 'developer' ? developerRole : 'system', content };
}

function toolMessage(item: FunctionCallOutputItem, name: string | undefined): ChatMessage {
  const content = typeof item.output === 'string' ? item.output : convertContentParts(item.output);
  // `name` is optional in the spec; some chat templates render it, OpenAI and vLLM accept it.
  return name ? { role: 'tool', tool_call_id: item.call_id, content, name } : { role: 'tool', tool_call_id: item.call_id, content };
}

/** Raw reasoning text when we have it; the summary is the next best thing for the model. */
function reasoningText(item: ReasoningItem): string {
  const raw = (item.content ?? []).map((c) => c.text).filter((t) => t !== '');
  if (raw.length) return raw.join('\n');
  return item.summary.map((s) => s.text).filter((t) => t !== '').join('\n\n');
}

/** The same pairing rules OpenAI applies, with its wording, so clients see familiar errors. */
function validateCallPairs(items: readonly Item[]): void {
  // Most histories have no calls: nothing to pair, no sets to build.
  if (!items.some((item) => item.type === 'function_call' || item.type === 'function_call_output')) return;
  const calls = new Set<string>();
  const answered = new Set<string>();
  for (const item of items) {
    if (item.type === 'function_call') calls.add(item.call_id);
    if (item.type === 'function_call_output') {
      if (!calls.has(item.call_id)) {
        throw invalidRequest(`No tool call found for function call output with call_id ${item.call_id}.`, 'input');
      }
      answered.add(item.call_id);
    }
  }
  for (const callId of calls) {
    if (!answered.has(callId)) throw invalidRequest(`No tool output found for function call ${callId}.`, 'input');
  }
}
