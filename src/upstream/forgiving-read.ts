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

/** A check that a value would pass a schema unchanged in every field the schema reads. */
export type AsIsCheck = (input: unknown) => boolean;

/**
 * Compiles a strict description into a plain check, once at start-up: true means
 * `strict.safeParse(input)` succeeds and its output reads, field for field, exactly what the
 * input itself holds, so the input can be used as is (no zod run, no copy). The only difference
 * is that the input keeps the fields the schema does not read, which readers never look at.
 * Understands the schema kinds a reader is made of (objects, `.nullish()`/`.optional()`/
 * `.nullable()`, strings, finite numbers, booleans, arrays, unions of options of different
 * kinds, string-keyed records, unknown); anything else (refinements, transforms, defaults…) makes the whole check answer
 * false, so zod decides. False is always safe: the caller falls back to zod.
 */
export function compileAsIsCheck(schema: z.ZodType): AsIsCheck {
  try {
    return compile(schema);
  } catch {
    return () => false;
  }
}

interface Def {
  type: string;
  checks?: unknown[];
  shape?: Record<string, z.ZodType>;
  catchall?: unknown;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  keyType?: z.ZodType;
  valueType?: z.ZodType;
}

function compile(schema: z.ZodType): AsIsCheck {
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  if (def.checks?.length) throw new Error(`refined ${def.type}`);
  switch (def.type) {
    case 'unknown':
    case 'any':
      return () => true;
    case 'string':
      return (v) => typeof v === 'string';
    case 'number':
      return (v) => typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'optional': {
      const inner = compile(def.innerType!);
      return (v) => v === undefined || inner(v);
    }
    case 'nullable': {
      const inner = compile(def.innerType!);
      return (v) => v === null || inner(v);
    }
    case 'array': {
      const element = compile(def.element!);
      return (v) => {
        if (!Array.isArray(v)) return false;
        for (const e of v) if (!element(e)) return false;
        return true;
      };
    }
    case 'union': {
      // zod takes the first option that passes; with options of disjoint kinds (a string or a
      // record, say) at most one can, so any that accepts as is is the one zod takes. Two
      // options of one kind (two object shapes) could differ in what they strip: not supported.
      const kinds = def.options!.map(kindOf);
      if (new Set(kinds).size !== kinds.length || kinds.includes('any')) throw new Error('union of overlapping options');
      const options = def.options!.map(compile);
      return (v) => options.some((o) => o(v));
    }
    case 'record': {
      const keyDef = (def.keyType as unknown as { _zod: { def: Def } })._zod.def;
      if (keyDef.type !== 'string' || keyDef.checks?.length) throw new Error('record key');
      const value = compile(def.valueType!);
      // zod rebuilds a record and drops an own `__proto__` key (JSON.parse makes one): not as is.
      return (v) => {
        if (!isPlainRecord(v) || Object.hasOwn(v, '__proto__')) return false;
        for (const k in v) if (!value(v[k])) return false;
        return true;
      };
    }
    case 'object': {
      if (def.catchall !== undefined) throw new Error('object catchall');
      const fields = Object.entries(def.shape!).map(([key, s]) => [key, compile(s)] as const);
      return (v) => {
        if (!isPlainRecord(v)) return false;
        for (const [key, check] of fields) if (!check(v[key])) return false;
        return true;
      };
    }
    default:
      throw new Error(`unsupported ${def.type}`);
  }
}

/** The one kind of JSON value a (supported, unwrapped) union option accepts. */
function kindOf(schema: z.ZodType): string {
  const type = (schema as unknown as { _zod: { def: Def } })._zod.def.type;
  if (type === 'record') return 'object';
  if (type === 'string' || type === 'number' || type === 'boolean' || type === 'array' || type === 'object') return type;
  return 'any';
}

/** An object as JSON.parse makes them (zod's objects and records accept these, and more). */
function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}
