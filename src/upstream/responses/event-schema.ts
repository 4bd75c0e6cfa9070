/**
 * The shape of a native Responses stream event as the interpreter reads it, as a zod schema: the
 * one description of which fields it reads and their types (fields it does not read are dropped).
 *
 * Built strict and forgiving from one description, as `../forgiving-read.ts` explains. Ids and names are read as whatever the server sent (the interpreter turns them into
 * strings), as before.
 */
import { z } from 'zod';
import { fieldWrappers, strictThenForgiving } from '../forgiving-read.js';

function buildEventSchema(forgiving: boolean) {
  const { field, entry } = fieldWrappers(forgiving);
  const anything = z.unknown().optional();

  const topLogprob = z.object({ token: anything, logprob: anything, bytes: field(z.array(z.number())) });
  const logprob = topLogprob.extend({ top_logprobs: field(z.array(entry(topLogprob))) });
  const item = z.object({
    type: field(z.string()),
    id: anything,
    call_id: anything,
    name: anything,
    arguments: field(z.string()),
    input: field(z.string()),
  });
  const usage = z.object({
    input_tokens: field(z.number()),
    output_tokens: field(z.number()),
    input_tokens_details: field(z.object({ cached_tokens: field(z.number()) })),
    output_tokens_details: field(z.object({ reasoning_tokens: field(z.number()) })),
  });
  const message = z.object({ message: anything });
  const response = z.object({
    status: field(z.string()),
    output: field(z.array(entry(item))),
    incomplete_details: field(z.object({ reason: field(z.string()) })),
    usage: field(usage),
    error: field(message),
  });
  return z.object({
    type: z.string(),
    delta: field(z.string()),
    logprobs: field(z.array(entry(logprob))),
    output_index: field(z.number()),
    item: field(item),
    response: field(response),
    /** The `error` event: OpenAI nests it (`{error: {message}}`), some servers put it at the top. */
    error: field(message),
    message: anything,
  });
}

const strict = buildEventSchema(false);
// Same fields, each at worst absent: its output fits the strict schema's type.
const forgiving = buildEventSchema(true) as unknown as typeof strict;

export type ResponsesEvent = z.output<typeof strict>;
export type ResponsesEventResponse = NonNullable<ResponsesEvent['response']>;
export type ResponsesEventItem = NonNullable<ResponsesEvent['item']>;
export type ResponsesEventUsage = NonNullable<ResponsesEventResponse['usage']>;
export type ResponsesEventLogprob = NonNullable<NonNullable<ResponsesEvent['logprobs']>[number]>;

/** The event as the interpreter reads it, or null when it is not an object with a string `type`. */
export const parseResponsesEvent: (input: unknown) => ResponsesEvent | null = strictThenForgiving(strict, forgiving);
