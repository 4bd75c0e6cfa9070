import { Ajv } from 'ajv';

// One meta-validator for the process: compiled once at start-up, reused by every request.
const ajv = new Ajv({ strict: false, validateSchema: true });

/**
 * Is this a usable JSON Schema for function parameters? Checked against the JSON Schema
 * meta-schema so a broken schema is a clear 400 instead of an upstream failure mid-stream.
 * Returns a message describing the first problem, or null when the schema is valid.
 */
export function jsonSchemaProblem(schema: Record<string, unknown>): string | null {
  if (ajv.validateSchema(schema)) return null;
  const first = ajv.errors?.[0];
  return first ? `${first.instancePath || '(root)'} ${first.message ?? 'is invalid'}` : 'is not a valid JSON Schema';
}
