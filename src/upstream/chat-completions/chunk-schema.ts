/**
 * The shape of a `chat.completion.chunk` as the interpreter reads it, as a zod schema: the one
 * description of which fields it reads and their types (fields it does not read are dropped).
 *
 * Real servers differ and misbehave field by field, and the interpreter has always been forgiving
 * per field: a field of the wrong type reads as absent instead of failing the stream. The schema is
 * built twice from this one description, both once at start-up:
 * - `strict`: every field `.nullish()`. zod compiles plain objects into a fast parser, so a
 *   well-formed chunk (every chunk of every server we know) costs ~0.1 µs (bench/interpret-chunks.ts);
 * - `forgiving`: every field also `.catch`es to undefined (a list entry to null), so it never
 *   rejects an object. It runs only when `strict` rejected a chunk, i.e. some field has an
 *   unexpected type; it is much slower (~5 µs), and that path is rare.
 * A chunk that is not a JSON object fails both (`parseChatChunk` returns null).
 */
import { z } from 'zod';
import { compileAsIsCheck, fieldWrappers, strictThenForgiving } from '../forgiving-read.js';

function buildChunkSchema(forgiving: boolean) {
  const { field, entry } = fieldWrappers(forgiving);
  const record = z.record(z.string(), z.unknown());

  const toolCallDelta = z.object({
    index: field(z.number()),
    id: field(z.string()),
    function: field(
      z.object({
        name: field(z.string()),
        // Some servers send the arguments as an object instead of a JSON string.
        arguments: field(z.union([z.string(), record])),
      }),
    ),
  });
  const delta = z.object({
    content: field(z.string()),
    refusal: field(z.string()),
    reasoning: field(z.string()),
    reasoning_content: field(z.string()),
    tool_calls: field(z.array(entry(toolCallDelta))),
  });
  const choice = z.object({
    index: field(z.number()),
    delta: field(delta),
    finish_reason: field(z.string()),
    /** map-logprobs.ts checks its own shape. */
    logprobs: z.unknown().optional(),
  });
  const chunk = z.object({
    choices: field(z.array(entry(choice))),
    usage: field(record),
    /** OpenAI's mid-stream `{"error": {…}}` (or a bare string); vLLM's `{"object": "error", "message": …}`. */
    error: field(z.union([record, z.string()])),
    object: z.unknown().optional(),
    message: z.unknown().optional(),
  });
  return { chunk, choice, delta };
}

const strictSchemas = buildChunkSchema(false);
const strict = strictSchemas.chunk;
// Same fields, each at worst absent: its output fits the strict schema's type.
const forgiving = buildChunkSchema(true).chunk as unknown as typeof strict;

/**
 * The keys the reader reads at each level, taken from the schema: plain-text-chunk.ts accepts a
 * chunk without zod only when every one of these it does not handle itself is absent or null.
 */
export const READ_KEYS = {
  chunk: new Set(Object.keys(strict.shape)),
  choice: new Set(Object.keys(strictSchemas.choice.shape)),
  delta: new Set(Object.keys(strictSchemas.delta.shape)),
};

export type ChatChunk = z.output<typeof strict>;
export type ChatChoice = NonNullable<NonNullable<ChatChunk['choices']>[number]>;
export type ChatDelta = NonNullable<ChatChoice['delta']>;
export type ChatToolCallDelta = NonNullable<NonNullable<ChatDelta['tool_calls']>[number]>;

/** The chunk as zod reads it (strict, then forgiving): the reference for the as-is path below. */
export const parseChatChunkViaZod: (input: unknown) => ChatChunk | null = strictThenForgiving(strict, forgiving);
/** The strict schema as a plain check: a well-formed chunk is read as is (no zod run, no copy). */
const readableAsIs = compileAsIsCheck(strict);

/**
 * The chunk as the interpreter reads it, or null when it is not a JSON object. A chunk the
 * strict schema would pass unchanged is returned itself (~20× cheaper than zod's parse, which
 * copies every object): the interpreter reads only the schema's fields, so the fields zod would
 * drop are never seen.
 */
export function parseChatChunk(input: unknown): ChatChunk | null {
  return readableAsIs(input) ? (input as ChatChunk) : parseChatChunkViaZod(input);
}
