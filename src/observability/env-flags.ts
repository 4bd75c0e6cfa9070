/**
 * Parsing of boolean-ish `VR_*` environment variables. Unknown spellings are rejected rather
 * than read as "false": a typo such as `VR_TRACING_ENABLED=ture` must fail at start-up with one
 * clear line instead of silently leaving tracing off.
 */
const TRUE_WORDS = /^(1|true|yes|on)$/i;
const FALSE_WORDS = /^(0|false|no|off)$/i;

export function readBooleanEnv(name: string, value: string | undefined, fallback: boolean): boolean {
  const trimmed = value?.trim();
  if (trimmed === undefined || trimmed === '') return fallback;
  if (TRUE_WORDS.test(trimmed)) return true;
  if (FALSE_WORDS.test(trimmed)) return false;
  throw new Error(`${name} must be a boolean (true/false, 1/0, yes/no, on/off), got '${value}'.`);
}
