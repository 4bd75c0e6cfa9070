/** The `VR_*` variables of background runs and WebSocket mode, read once per process. */

export interface RunSettings {
  /** `VR_BACKGROUND_LEASE_SEC` (30): a run whose owner stops renewing for this long is settled `failed`. */
  leaseMs: number;
  /** `VR_BACKGROUND_POLL_MS` (250): how often followers and owners poll where no notification arrives (SQLite). */
  pollMs: number;
  /** `VR_BACKGROUND_FLUSH_MS` (10): longest time a produced event waits before its batch is written. */
  flushMs: number;
  /** `VR_BACKGROUND_BATCH_EVENTS` (256): a batch this large is written at once. */
  batchEvents: number;
  /** `VR_BACKGROUND_MAX_RUNS` (256): background runs one process executes at a time; more is a 429. */
  maxRuns: number;
  /** `VR_BACKGROUND_CANCEL_WAIT_MS` (10000): how long a cancel request waits for the run to stop. */
  cancelWaitMs: number;
  /** `VR_BACKGROUND_SHUTDOWN_GRACE_SEC` (5): at graceful shutdown, how long running background runs get to finish before they fail. */
  shutdownGraceMs: number;
  /** `VR_WS_IDLE_TIMEOUT_SEC` (600): a WebSocket with no client message for this long is closed. */
  wsIdleMs: number;
  /** `VR_WS_PING_INTERVAL_SEC` (30): pings; a connection that misses a pong is closed. */
  wsPingMs: number;
  /** `VR_WS_MAX_MESSAGE_BYTES` (33554432): largest accepted client frame. */
  wsMaxMessageBytes: number;
  /** `VR_WS_MAX_BUFFERED_BYTES` (4194304): the run waits while this much is unsent to the client. */
  wsMaxBufferedBytes: number;
  /** `VR_WS_MAX_QUEUED_MESSAGES` (16): client messages one connection may have waiting or running, over all its lanes. */
  wsMaxQueuedMessages: number;
  /** `VR_WS_MAX_STREAMS` (64): `stream_id` lanes one connection remembers (idle lanes beyond it are forgotten, oldest first). */
  wsMaxStreams: number;
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number, opts: { min: number; max?: number; integer?: boolean }): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isFinite(n) || n < opts.min || n > max || (opts.integer && !Number.isInteger(n))) {
    throw new Error(`${name} must be ${opts.integer ? 'an integer' : 'a number'} from ${opts.min} to ${max}, got '${raw}'.`);
  }
  return n;
}

export function readRunSettings(env: NodeJS.ProcessEnv): RunSettings {
  return {
    leaseMs: Math.round(num(env, 'VR_BACKGROUND_LEASE_SEC', 30, { min: 0.5, max: 86_400 }) * 1000),
    pollMs: num(env, 'VR_BACKGROUND_POLL_MS', 250, { min: 5, max: 60_000, integer: true }),
    flushMs: num(env, 'VR_BACKGROUND_FLUSH_MS', 10, { min: 0, max: 10_000, integer: true }),
    batchEvents: num(env, 'VR_BACKGROUND_BATCH_EVENTS', 256, { min: 1, max: 100_000, integer: true }),
    maxRuns: num(env, 'VR_BACKGROUND_MAX_RUNS', 256, { min: 1, max: 1_000_000, integer: true }),
    cancelWaitMs: num(env, 'VR_BACKGROUND_CANCEL_WAIT_MS', 10_000, { min: 0, max: 600_000, integer: true }),
    shutdownGraceMs: Math.round(num(env, 'VR_BACKGROUND_SHUTDOWN_GRACE_SEC', 5, { min: 0, max: 86_400 }) * 1000),
    wsIdleMs: Math.round(num(env, 'VR_WS_IDLE_TIMEOUT_SEC', 600, { min: 1, max: 86_400 }) * 1000),
    wsPingMs: Math.round(num(env, 'VR_WS_PING_INTERVAL_SEC', 30, { min: 0.1, max: 3600 }) * 1000),
    wsMaxMessageBytes: num(env, 'VR_WS_MAX_MESSAGE_BYTES', 32 * 1024 * 1024, { min: 1024, max: 1024 * 1024 * 1024, integer: true }),
    wsMaxBufferedBytes: num(env, 'VR_WS_MAX_BUFFERED_BYTES', 4 * 1024 * 1024, { min: 1024, max: 1024 * 1024 * 1024, integer: true }),
    wsMaxQueuedMessages: num(env, 'VR_WS_MAX_QUEUED_MESSAGES', 16, { min: 1, max: 10_000, integer: true }),
    wsMaxStreams: num(env, 'VR_WS_MAX_STREAMS', 64, { min: 1, max: 10_000, integer: true }),
  };
}
