/**
 * Graceful stop of one gateway: stop accepting, let in-flight requests and streams finish, and
 * after `timeoutMs` cut whatever is still open so shutdown is bounded.
 */
import type { RunningGateway } from '../server/gateway.js';

export async function drainGateway(gateway: RunningGateway, timeoutMs: number, onTimeout: () => void): Promise<void> {
  const timer = setTimeout(() => {
    onTimeout();
    gateway.app.server.closeAllConnections();
  }, timeoutMs);
  timer.unref();
  try {
    await gateway.close();
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `VR_SHUTDOWN_TIMEOUT_SEC` (default 30): how long in-flight requests get to finish. A value that
 * is not a number of seconds is refused at start-up (as every other setting), not read as 30.
 */
export function shutdownTimeoutMs(env: NodeJS.ProcessEnv): number {
  const raw = env.VR_SHUTDOWN_TIMEOUT_SEC;
  if (raw === undefined || raw.trim() === '') return 30_000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`VR_SHUTDOWN_TIMEOUT_SEC must be a number of seconds >= 0, got '${raw}'.`);
  return seconds * 1000;
}
