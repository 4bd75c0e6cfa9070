/**
 * Following a run: replay its stored events after a sequence number, then the new ones as they
 * are written, until the run has ended and every event has been read. Works the same for the
 * request that created the run, a reconnecting client, and another worker or instance.
 */
import type { CancelSignal } from '../cancellation/cancellation.js';
import { LIVE_RUN_STATUSES, type RunStatus, type StoredEvent } from '../store/types.js';
import type { RunRegistry } from './registry.js';

const PAGE = 512;

export async function* followRun(registry: RunRegistry, id: string, startingAfter: number, signal: CancelSignal): AsyncGenerator<StoredEvent[], void, undefined> {
  let after = startingAfter;
  while (!signal.aborted) {
    const wake = registry.nextWake(id, signal);
    try {
      const events = await registry.runs.events(id, after, PAGE);
      if (events.length) {
        after = events[events.length - 1]!.seq;
        yield events;
        if (isTerminalEvent(events[events.length - 1]!.json)) return;
        if (events.length === PAGE) continue;
      }
      const run = await registry.runs.get(id);
      if (!run) return; // deleted meanwhile
      if (!LIVE_RUN_STATUSES.has(run.status as RunStatus) && run.lastSeq <= after) return;
      if (run.lastSeq > after) continue;
      await wake.promise;
    } finally {
      wake.cancel();
    }
  }
}

const TERMINAL_PREFIXES = ['{"type":"response.completed"', '{"type":"response.failed"', '{"type":"response.incomplete"'];

/** Stored events are JSON with `type` first (the composer builds them so): no parse needed. */
export function isTerminalEvent(json: string): boolean {
  return TERMINAL_PREFIXES.some((p) => json.startsWith(p));
}

/** `event: <type>` + `data: <json>`, the SSE framing of a stored event. */
export function storedEventToSse(json: string): string {
  const start = json.indexOf('"type":"') + 8;
  const type = json.slice(start, json.indexOf('"', start));
  return `event: ${type}\ndata: ${json}\n\n`;
}
