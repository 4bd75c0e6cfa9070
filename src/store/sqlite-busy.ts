/**
 * SQLITE_BUSY handling shared by the main connection (sqlite-store.ts) and the writer thread
 * (sqlite-writer-thread.ts): which errors mean "another connection holds the lock, try again",
 * and the two ways of waiting for it — off the event loop on the main thread, blocking in the
 * writer thread (which has nothing else to do).
 */

const BUSY_CODES = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_LOCKED']);

export function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && BUSY_CODES.has(code);
}

/** Jittered backoff before attempt `attempt + 1`, up to 50 ms. */
function backoffMs(attempt: number): number {
  const backoff = Math.min(50, 2 * attempt);
  return backoff / 2 + Math.random() * backoff;
}

/**
 * Waits for another process's lock off the event loop: each attempt blocks for at most the
 * short busy slice, then the retry comes from a timer (jittered backoff up to 50 ms), until
 * `totalMs` has passed. Also covers the paths where SQLite returns SQLITE_BUSY without
 * consulting the busy handler (e.g. the journal-mode switch while another process opens the
 * file). Bounded: a lock held this long is a real problem that should surface as an error.
 */
export async function withBusyRetry<T>(fn: () => T, totalMs: number): Promise<T> {
  const deadline = Date.now() + totalMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return fn();
    } catch (err) {
      if (!isBusy(err) || Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, backoffMs(attempt)));
    }
  }
}

/**
 * The same bounded retry, sleeping in place: for the writer thread, where blocking is the point.
 * Its busy handler already waits the whole timeout; this covers the SQLITE_BUSY that SQLite
 * returns without consulting it.
 */
export function withBusyRetrySync<T>(fn: () => T, totalMs: number): T {
  const deadline = Date.now() + totalMs;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 1; ; attempt++) {
    try {
      return fn();
    } catch (err) {
      if (!isBusy(err) || Date.now() >= deadline) throw err;
      Atomics.wait(sleeper, 0, 0, backoffMs(attempt));
    }
  }
}
