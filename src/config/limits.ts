/**
 * Every resource limit of the gateway in one table: what a hostile client or a broken upstream
 * can make it hold (time, bytes, nesting). Each limit has a `VR_*` variable and a `serve` flag
 * (the flag wins), a documented default, and exceeding it is a clear OpenAI-shaped error, never a
 * 500, a hang or unbounded memory. The README's "Limits" table lists the same rows.
 */
import { OptionError } from './serve-options.js';

export interface Limits {
  /** Whole request (headers and body) must arrive within this (Node `requestTimeout`). */
  requestTimeoutMs: number;
  /** Request headers must arrive within this (Node `headersTimeout`). */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (Node `keepAliveTimeout`). */
  keepAliveTimeoutMs: number;
  /** Largest request body. */
  maxBodyBytes: number;
  /** Request body bytes being received at once, over all connections of this process. */
  maxInflightBodyBytes: number;
  /** Upstream TCP/TLS connect. */
  upstreamConnectTimeoutMs: number;
  /** From sending a turn to the upstream until the first byte of its answer (prefill included). */
  upstreamFirstByteTimeoutMs: number;
  /** Longest silence between two chunks of an upstream answer once it has begun. */
  upstreamIdleTimeoutMs: number;
  /** One upstream answer from start to end, however it trickles. */
  upstreamTotalTimeoutMs: number;
  /** Largest single upstream SSE event (a line the gateway must buffer whole). */
  upstreamMaxEventBytes: number;
  /** Bytes one upstream answer may send. */
  upstreamMaxOutputBytes: number;
  /** Largest output item the gateway stores (its JSON). */
  maxStoredItemBytes: number;
  /** Entries in a request's `tools`. */
  maxTools: number;
  /** Nesting depth of a JSON Schema in a request (tool parameters, `text.format.schema`). */
  maxSchemaDepth: number;
  /** Nesting depth of the request's `input` items. */
  maxInputDepth: number;
}

type Unit = 'seconds' | 'bytes' | 'count';

interface LimitSpec {
  key: keyof Limits;
  env: string;
  flag: string;
  unit: Unit;
  /** Default in the flag's unit (seconds for times). */
  default: number;
  description: string;
}

const MiB = 1024 * 1024;

export const LIMIT_SPECS: readonly LimitSpec[] = [
  { key: 'requestTimeoutMs', env: 'VR_REQUEST_TIMEOUT_SEC', flag: 'request-timeout', unit: 'seconds', default: 60, description: 'a client must send the whole request (headers and body) within this' },
  { key: 'headersTimeoutMs', env: 'VR_REQUEST_HEADERS_TIMEOUT_SEC', flag: 'request-headers-timeout', unit: 'seconds', default: 20, description: 'a client must send the request headers within this' },
  { key: 'keepAliveTimeoutMs', env: 'VR_KEEP_ALIVE_TIMEOUT_SEC', flag: 'keep-alive-timeout', unit: 'seconds', default: 5, description: 'an idle keep-alive client connection is closed after this' },
  { key: 'maxBodyBytes', env: 'VR_MAX_BODY_BYTES', flag: 'max-body-bytes', unit: 'bytes', default: 32 * MiB, description: 'largest request body (413 above)' },
  { key: 'maxInflightBodyBytes', env: 'VR_MAX_INFLIGHT_BODY_BYTES', flag: 'max-inflight-body-bytes', unit: 'bytes', default: 256 * MiB, description: 'request body bytes being received at once per process (503 `server_busy` above)' },
  { key: 'upstreamConnectTimeoutMs', env: 'VR_UPSTREAM_CONNECT_TIMEOUT_SEC', flag: 'upstream-connect-timeout', unit: 'seconds', default: 10, description: 'connecting to the upstream' },
  { key: 'upstreamFirstByteTimeoutMs', env: 'VR_UPSTREAM_FIRST_BYTE_TIMEOUT_SEC', flag: 'upstream-first-byte-timeout', unit: 'seconds', default: 300, description: 'from sending a turn until the first byte of the answer (queueing and prompt prefill)' },
  { key: 'upstreamIdleTimeoutMs', env: 'VR_UPSTREAM_IDLE_TIMEOUT_SEC', flag: 'upstream-idle-timeout', unit: 'seconds', default: 60, description: 'longest silence between two chunks of an answer' },
  { key: 'upstreamTotalTimeoutMs', env: 'VR_UPSTREAM_TOTAL_TIMEOUT_SEC', flag: 'upstream-total-timeout', unit: 'seconds', default: 1200, description: 'one upstream answer from start to end (a trickle cannot last forever)' },
  { key: 'upstreamMaxEventBytes', env: 'VR_UPSTREAM_MAX_EVENT_BYTES', flag: 'upstream-max-event-bytes', unit: 'bytes', default: 8 * MiB, description: 'largest single SSE event (line) from the upstream' },
  { key: 'upstreamMaxOutputBytes', env: 'VR_UPSTREAM_MAX_OUTPUT_BYTES', flag: 'upstream-max-output-bytes', unit: 'bytes', default: 64 * MiB, description: 'bytes one upstream answer may send' },
  { key: 'maxStoredItemBytes', env: 'VR_MAX_STORED_ITEM_BYTES', flag: 'max-stored-item-bytes', unit: 'bytes', default: 16 * MiB, description: 'largest output item (JSON) a response may store' },
  { key: 'maxTools', env: 'VR_MAX_TOOLS', flag: 'max-tools', unit: 'count', default: 512, description: 'entries in a request\'s `tools` (400 above)' },
  { key: 'maxSchemaDepth', env: 'VR_MAX_SCHEMA_DEPTH', flag: 'max-schema-depth', unit: 'count', default: 64, description: 'nesting depth of a request JSON Schema (tool parameters, `text.format.schema`)' },
  { key: 'maxInputDepth', env: 'VR_MAX_INPUT_DEPTH', flag: 'max-input-depth', unit: 'count', default: 32, description: 'nesting depth of the request\'s `input` items' },
];

function toInternal(spec: LimitSpec, value: number): number {
  return spec.unit === 'seconds' ? Math.round(value * 1000) : value;
}

export const DEFAULT_LIMITS: Limits = Object.fromEntries(LIMIT_SPECS.map((s) => [s.key, toInternal(s, s.default)])) as unknown as Limits;

function parseLimit(spec: LimitSpec, name: string, raw: string): number {
  const n = Number(raw.trim());
  const ok = raw.trim() !== '' && Number.isFinite(n) && n > 0 && (spec.unit === 'seconds' || Number.isInteger(n));
  if (!ok) {
    const what = spec.unit === 'seconds' ? 'a positive number of seconds' : spec.unit === 'bytes' ? 'a positive integer number of bytes' : 'a positive integer';
    throw new OptionError(`${name} must be ${what}, got '${raw}'.`);
  }
  return toInternal(spec, n);
}

/**
 * Limits from flags (`flags[spec.flag]`, raw strings as the CLI got them) over `VR_*` variables
 * over defaults. Throws OptionError naming the flag or variable and the bad value.
 */
export function readLimits(env: NodeJS.ProcessEnv, flags: Readonly<Record<string, string | undefined>> = {}): Limits {
  const out = { ...DEFAULT_LIMITS };
  for (const spec of LIMIT_SPECS) {
    const flag = flags[spec.flag];
    const fromEnv = env[spec.env];
    if (flag !== undefined) out[spec.key] = parseLimit(spec, `--${spec.flag}`, flag);
    else if (fromEnv !== undefined && fromEnv.trim() !== '') out[spec.key] = parseLimit(spec, spec.env, fromEnv);
  }
  return out;
}
