/**
 * Secret redaction for logs, in three layers because each catches what the others cannot:
 *  1. `REDACT_PATHS` for pino's `redact` (fast, applied after serializers, so it also covers
 *     headers that a `req` serializer might emit);
 *  2. `censorSecretKeys`: any field, at any depth, whose *name* looks like a credential
 *     (pino paths cannot express "every key called *_token");
 *  3. `createLineScrubber`: the final JSON line is scrubbed of `Bearer …` credentials, `sk-…` keys
 *     and of the literal configured secrets (VR_API_KEYS, VR_OPENAI_API_KEY), wherever they
 *     hide: messages, error stacks, upstream error bodies.
 */
export const REDACTED = '[REDACTED]';

export const REDACT_PATHS: readonly string[] = [
  'authorization',
  'api_key',
  'apiKey',
  '*.authorization',
  '*.api_key',
  '*.apiKey',
  'headers.cookie',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'request.headers.authorization',
  'res.headers["set-cookie"]',
];

// Names, not values: `max_output_tokens` or `prompt_cache_key` are not secrets, `access_token`,
// `x-api-key`, `client_secret` and `VR_API_KEYS` are.
const SECRET_NAME_PATTERNS: readonly RegExp[] = [
  /authorization$/i,
  /cookie$/i,
  /secret/i,
  /passw(or)?d/i,
  /credentials?$/i,
  /token$/i, // token, access_token, accessToken, x-auth-token; not *_tokens (usage counts)
  /(api|private|access|signing|encryption|session|auth)[-_]?keys?$/i,
];

/**
 * Verdicts by field name: log objects use the same few dozen names on every line, and seven
 * regular expressions per field were a measurable part of each request log line. Bounded, so
 * ever-new names (keys of a logged payload) cannot grow it: past the bound they are tested anew.
 */
const verdicts = new Map<string, boolean>();
const MAX_VERDICTS = 4096;

export function isSecretKey(name: string): boolean {
  const known = verdicts.get(name);
  if (known !== undefined) return known;
  const secret = SECRET_NAME_PATTERNS.some((pattern) => pattern.test(name));
  if (verdicts.size < MAX_VERDICTS) verdicts.set(name, secret);
  return secret;
}

const MAX_DEPTH = 12;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Returns `value` with every credential-named field replaced by `[REDACTED]`. Copy-on-write:
 * the input is never mutated (it may be a live request body) and is returned as-is when clean,
 * so the common case allocates nothing. Only plain objects and arrays are walked; class
 * instances (errors, streams, requests) are left to pino's serializers.
 */
export function censorSecretKeys<T>(value: T, depth = 0): T {
  if (depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item: unknown, index) => {
      const censored = censorSecretKeys(item, depth + 1);
      if (censored !== item) {
        copy ??= value.slice();
        copy[index] = censored;
      }
    });
    return (copy ?? value) as T;
  }
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const item = value[key];
    const censored =
      isSecretKey(key) && item !== undefined && item !== null && item !== '' ? REDACTED : censorSecretKeys(item, depth + 1);
    if (censored !== item) {
      copy ??= { ...value };
      copy[key] = censored;
    }
  }
  return (copy ?? value) as T;
}

// Credentials in free text: bearer tokens and OpenAI-style `sk-…` keys. (`Basic …` is left to
// the key-name layer: the word "basic" is too common in prose to scrub by pattern.)
const BEARER = /\b([Bb]earer)\s+[A-Za-z0-9._~+/=-]{4,}/g;
const SK_KEY = /\bsk-[A-Za-z0-9_-]{16,}/g;
// Short "secrets" (e.g. a test key `k`) would shred ordinary text; real keys are long.
const MIN_LITERAL_SECRET_LENGTH = 6;

export function createLineScrubber(secrets: readonly string[] = []): (line: string) => string {
  const literals = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_LITERAL_SECRET_LENGTH) continue;
    literals.add(secret);
    literals.add(JSON.stringify(secret).slice(1, -1)); // as it appears inside a JSON string
  }
  // Longest first, so a key that contains another key is replaced whole.
  const ordered = [...literals].sort((a, b) => b.length - a.length);
  return (line) => {
    let out = line;
    for (const literal of ordered) {
      if (out.includes(literal)) out = out.split(literal).join(REDACTED);
    }
    if (out.includes('earer')) out = out.replace(BEARER, (_match, scheme: string) => `${scheme} ${REDACTED}`);
    if (out.includes('sk-')) out = out.replace(SK_KEY, REDACTED);
    return out;
  };
}
