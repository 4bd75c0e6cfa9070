/**
 * How the gateway reads what an upstream streams (Chat Completions chunks in
 * `chat-completions/chunk-schema.ts`, native Responses events in `responses/event-schema.ts`):
 * one zod description of the fields it reads, built twice at start-up.
 * - strict: every field `.nullish()`. zod compiles plain objects into a fast parser, so a
 *   well-formed payload (every payload of every server we know) costs ~0.1–0.3 µs;
 * - forgiving: a field of the wrong type also reads as absent, a list entry of the wrong shape
 *   as null, as the hand-written readers always did; much slower (µs), so it runs only when
 *   strict rejected a payload.
 */
import { z } from 'zod';

/** The field and list-entry wrappers of one description, strict or forgiving. */
export function fieldWrappers(forgiving: boolean) {
  return {
    /** One field: absent, null or of type `t`; when forgiving, anything else also reads as absent. */
    field: <T extends z.ZodType>(t: T) => (forgiving ? t.nullish().catch(undefined) : t.nullish()),
    /** One list entry: when forgiving, an entry of the wrong shape reads as null (skipped). */
    entry: <T extends z.ZodType>(t: T) => (forgiving ? t.nullable().catch(null) : t),
  };
}

/** The reader: strict first, forgiving only when strict rejects; null when both reject. */
export function strictThenForgiving<T>(strict: z.ZodType<T>, forgiving: z.ZodType<T>): (input: unknown) => T | null {
  return (input) => {
    const fast = strict.safeParse(input);
    if (fast.success) return fast.data;
    const slow = forgiving.safeParse(input);
    return slow.success ? slow.data : null;
  };
}
