import { newId } from '../../api/ids.js';
import type { ModelEvent } from '../../model/events.js';
import { createChunkInterpreter, malformed } from './interpret-chunks.js';

/**
 * A non-streamed `chat.completion` (the upstream's JSON answer to `stream: false`) → the model
 * events its streamed twin would have produced, through the SAME interpreter as the chunk stream
 * (interpret-chunks.ts): the completion is rewritten as one equivalent chunk, so every quirk of
 * real servers (reasoning field names, tool calls without ids, `stop` for forced calls, logprobs
 * on empty content, error payloads) is handled in one place.
 *
 * The message becomes the chunk's delta and each tool call gets `index` = its position (a
 * completion's calls carry none); `finish_reason`, `logprobs` and `usage` keep their places.
 * Anything that is not the expected shape is passed on untouched for the interpreter to judge.
 */
export function completionAsChunk(completion: unknown): unknown {
  if (!isRecord(completion) || !Array.isArray(completion.choices)) return completion;
  return { ...completion, choices: completion.choices.map(choiceAsDelta) };
}

function choiceAsDelta(choice: unknown): unknown {
  if (!isRecord(choice) || !isRecord(choice.message)) return choice;
  const message = choice.message;
  const calls = message.tool_calls;
  const delta = Array.isArray(calls) ? { ...message, tool_calls: calls.map((call: unknown, index) => (isRecord(call) ? { ...call, index } : call)) } : message;
  // Only the fields a chunk's choice is read for (chunk-schema.ts): no rest-copy of the choice.
  return { index: choice.index, delta, finish_reason: choice.finish_reason, logprobs: choice.logprobs };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A JSON chat completion's whole body text (read by the adapter: read-answer.ts; the
 * output-bytes cap and the deadlines are the exchange's) → all of the turn's model events,
 * `finish` last. Throws ApiError 502 for a body that is not JSON (e.g. cut short), an error
 * payload or an unfinished answer.
 */
/** `generateCallId`: id for tool calls the upstream sent without one (tests pass a deterministic one). */
export function completionEvents(text: string, generateCallId?: () => string): ModelEvent[] {
  let completion: unknown;
  try {
    completion = JSON.parse(text);
  } catch {
    throw malformed(`an answer that is not valid JSON: ${text.slice(0, 200)}`);
  }
  const interpreter = createChunkInterpreter(generateCallId ?? (() => newId('call')));
  const events = interpreter.chunk(completionAsChunk(completion)); // throws for an error payload
  // A stream says it is over with `[DONE]`; a completion by having its choice.
  if (!isRecord(completion) || !Array.isArray(completion.choices) || completion.choices.length === 0) {
    throw malformed(`an answer without choices: ${text.slice(0, 200)}`);
  }
  return [...events, ...interpreter.end(true)];
}
