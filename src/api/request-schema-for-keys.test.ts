import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createResponseSchema } from './request-schema.js';
import { requestSchemaFor } from './request-schema-for-keys.js';

const KEYS = Object.keys(createResponseSchema.shape);

/** Values that pass some keys' schemas and fail others', so both outcomes are exercised. */
const value = fc.oneof(
  fc.constantFrom('m', '', 'auto', 'high', 'text', null, true, false, 0, 1, 0.5, 3, -1, 20, 100),
  fc.constantFrom([], [{ type: 'function', name: 'f' }], [{ role: 'user', content: 'hi' }], { format: { type: 'text' } }, { effort: 'low' }, { id: 'conv_1' }, { a: 'b' }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A body: some known keys (model usually present), sometimes an unknown one, in any order. */
const body = fc
  .record({
    known: fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 6 }),
    model: fc.option(fc.constantFrom('m', 5), { nil: undefined }),
    unknown: fc.option(fc.constantFrom('nope', '__proto__x', 'Model'), { nil: undefined }),
  })
  .map(({ known, model, unknown }) => ({ ...(model !== undefined ? { model } : {}), ...known, ...(unknown ? { [unknown]: 1 } : {}) }));

function outcome(result: ReturnType<typeof createResponseSchema.safeParse>) {
  // The serialised output keeps key order: a client-visible echo depends on it.
  return result.success ? { ok: JSON.stringify(result.data) } : { issues: JSON.stringify(result.error.issues) };
}

describe('requestSchemaFor', () => {
  it('narrows a plain body and reuses the narrowed schema; an unknown key gets the full schema', () => {
    const plain = requestSchemaFor({ model: 'm', input: 'hi', stream: false });
    expect(Object.keys(plain.shape)).toEqual(['model', 'input', 'stream']);
    expect(requestSchemaFor({ model: 'x', input: [], stream: true })).toBe(plain);
    expect(requestSchemaFor({ stream: true, model: 'x', input: [] })).toBe(plain);
    expect(requestSchemaFor({ input: 'hi' }).shape).toHaveProperty('model');
    expect(requestSchemaFor({ model: 'm', nope: 1 })).toBe(createResponseSchema);
  });
  it('parses every body to the same output, or the same issues, as the full schema', () => {
    fc.assert(
      fc.property(body, (b) => {
        expect(outcome(requestSchemaFor(b).safeParse(b))).toEqual(outcome(createResponseSchema.safeParse(b)));
      }),
      { numRuns: 3000 },
    );
  });

});
