import { Ajv, type AnySchemaObject } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createRequire } from 'node:module';

/**
 * Is this a usable JSON Schema (function `parameters`, `text.format.schema`)? A broken schema is
 * a clear 400 here instead of an upstream failure mid-stream; a schema is never a 500.
 *
 * Clients send every draft: zod 4 and LangChain declare `$schema` 2020-12, Pydantic and
 * zod-to-json-schema draft-07 (or nothing), some tools 2019-09. The draft is chosen from
 * `$schema`; without one the schema is read as draft-07 (what OpenAI's docs show). Draft-04 and
 * unknown `$schema` URIs are checked against draft-07 with `$schema` set aside (ajv ships no
 * draft-04 meta-schema; the keywords that changed since, e.g. boolean `exclusiveMaximum`, are
 * then reported by name). `$ref`s must resolve inside the schema (`$defs`/`definitions`).
 *
 * Validators are built once per process. Verdicts are cached by schema text (bounded), since
 * agent clients resend the same tool schemas on every turn.
 */
const draft06 = createRequire(import.meta.url)('ajv/dist/refs/json-schema-draft-06.json') as AnySchemaObject;
const options = { strict: false, allErrors: false, validateFormats: false } as const;
const draft07 = new Ajv(options);
draft07.addMetaSchema(draft06);
const draft2019 = new Ajv2019(options);
const draft2020 = new Ajv2020(options);

type Validator = Ajv | Ajv2019 | Ajv2020;

function validatorFor(schemaUri: unknown): { ajv: Validator; keepSchemaKeyword: boolean } {
  if (typeof schemaUri !== 'string') return { ajv: draft07, keepSchemaKeyword: true };
  if (/json-schema\.org\/draft\/2020-12\/schema/.test(schemaUri)) return { ajv: draft2020, keepSchemaKeyword: true };
  if (/json-schema\.org\/draft\/2019-09\/schema/.test(schemaUri)) return { ajv: draft2019, keepSchemaKeyword: true };
  if (/json-schema\.org\/draft-0[67]\/schema/.test(schemaUri)) return { ajv: draft07, keepSchemaKeyword: true };
  return { ajv: draft07, keepSchemaKeyword: false };
}

const CACHE_LIMIT = 512;
/** Larger schemas are checked every time rather than pinned in memory. */
const CACHE_MAX_KEY_CHARS = 64 * 1024;
const verdicts = new Map<string, string | null>();

function describe(errors: { instancePath?: string; message?: string }[] | null | undefined): string {
  const first = errors?.[0];
  return first ? `${first.instancePath || '(root)'} ${first.message ?? 'is invalid'}` : 'is not a valid JSON Schema';
}

function check(schema: Record<string, unknown>): string | null {
  const { ajv, keepSchemaKeyword } = validatorFor(schema.$schema);
  const target: Record<string, unknown> = keepSchemaKeyword ? schema : { ...schema };
  if (!keepSchemaKeyword) delete target.$schema;
  try {
    if (!ajv.validateSchema(target)) return describe(ajv.errors);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  // Compiling resolves every `$ref`; the compiled validator is dropped at once (ajv would
  // otherwise keep every client schema, and a second schema with the same `$id` would clash).
  try {
    ajv.compile(target);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    try {
      ajv.removeSchema(target);
    } catch {
      // nothing was registered
    }
  }
}

/** Returns a message describing the first problem, or null when the schema is valid. */
export function jsonSchemaProblem(schema: Record<string, unknown>): string | null {
  let key: string;
  try {
    key = JSON.stringify(schema);
  } catch {
    return 'is not serialisable JSON';
  }
  const cached = verdicts.get(key);
  if (cached !== undefined) return cached;
  const verdict = check(schema);
  if (key.length > CACHE_MAX_KEY_CHARS) return verdict;
  if (verdicts.size >= CACHE_LIMIT) verdicts.delete(verdicts.keys().next().value as string);
  verdicts.set(key, verdict);
  return verdict;
}
