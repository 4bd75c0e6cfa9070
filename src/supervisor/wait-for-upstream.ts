import type { UpstreamClient } from '../upstream/http-client.js';

export interface WaitOptions {
  timeoutSec: number;
  intervalSec: number;
  signal?: AbortSignal;
  /** Called after each failed probe with the reason (for a progress line). */
  onWaiting?: (reason: string, elapsedSec: number) => void;
}

/**
 * Poll `GET {upstream}/models` until it answers 2xx. vLLM loads weights for minutes before its
 * API answers, so this is the gateway's readiness gate. Rejects with a clear message on timeout.
 */
export async function waitForUpstream(client: UpstreamClient, opts: WaitOptions): Promise<void> {
  const started = Date.now();
  const deadline = started + opts.timeoutSec * 1000;
  let lastReason = 'no answer yet';
  for (;;) {
    if (opts.signal?.aborted) throw new Error('Stopped while waiting for the upstream.');
    const remaining = deadline - Date.now();
    const probe = AbortSignal.timeout(Math.max(100, Math.min(remaining, 10_000)));
    try {
      await client.getModels(opts.signal ? AbortSignal.any([probe, opts.signal]) : probe);
      return;
    } catch (err) {
      lastReason = err instanceof Error ? err.message : String(err);
    }
    const elapsed = (Date.now() - started) / 1000;
    if (Date.now() >= deadline) {
      throw new Error(`Upstream ${client.baseUrl} was not ready after ${opts.timeoutSec}s (GET ${client.baseUrl}/models: ${lastReason}).`);
    }
    opts.onWaiting?.(lastReason, elapsed);
    await new Promise((r) => setTimeout(r, Math.min(opts.intervalSec * 1000, Math.max(0, deadline - Date.now()))));
  }
}
