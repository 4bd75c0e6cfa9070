/**
 * The create-response schema narrowed to the keys one body has. zod's object parser visits every
 * key of the shape (35) for every body, running each key's schema and allocating its result even
 * for absent keys, while a typical body has 3–6 of them: a schema picked to the body's keys
 * parses it to the same output with the same issues, in a fraction of the time.
 *
 * Narrowing changes nothing a client can see, because every key of the shape is optional except
 * `model` (always kept, so a missing model is reported as before), no key has a default or a
 * transform at the top level that would fill in an absent key, and `pick` keeps the shape's key
 * order and its strictness. A body with a key the shape does not know gets the full schema, whose
 * strictness names that key. Narrowed schemas are built once per distinct key set (clients send
 * the same few); past MAX_NARROWED sets, bodies simply get the full schema.
 */
import { createResponseSchema } from './request-schema.js';

type CreateSchema = typeof createResponseSchema;

/** Distinct key sets kept; each schema is a few KiB. */
export const MAX_NARROWED = 256;

const shape = createResponseSchema.shape;
const shapeKeys = Object.keys(shape) as (keyof typeof shape)[];
/** Each shape key's bit in a key set's signature (35 keys: exact in a double's 53 bits). */
const bitOf = new Map(shapeKeys.map((key, i) => [key as string, 2 ** i]));
const MODEL_BIT = bitOf.get('model')!;
/** By key-set signature: the same keys in any order are one entry. */
const narrowed = new Map<number, CreateSchema>();

/** A key set's signature is a sum of distinct powers of two: exact only while they fit a double's mantissa. */
const NARROWABLE = shapeKeys.length <= 52;

export function requestSchemaFor(body: Record<string, unknown>): CreateSchema {
  if (!NARROWABLE) return createResponseSchema;
  let signature = MODEL_BIT;
  for (const key in body) {
    if (!Object.hasOwn(body, key)) continue;
    const bit = bitOf.get(key);
    if (bit === undefined) return createResponseSchema;
    if (bit !== MODEL_BIT) signature += bit;
  }
  const known = narrowed.get(signature);
  if (known) return known;
  if (narrowed.size >= MAX_NARROWED) return createResponseSchema;
  // In the shape's order, which is the parsed output's key order.
  const mask: Partial<Record<keyof typeof shape, true>> = {};
  for (const key of shapeKeys) if (key === 'model' || Object.hasOwn(body, key)) mask[key] = true;
  // The narrowed schema's output type is the full one's with fewer keys present: all optional.
  const schema = createResponseSchema.pick(mask) as unknown as CreateSchema;
  narrowed.set(signature, schema);
  return schema;
}
