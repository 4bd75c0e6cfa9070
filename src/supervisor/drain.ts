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

/** `VR_SHUTDOWN_TIMEOUT_SEC` (default 30): how long in-flight requests get to finish. */
export function shutdownTimeoutMs(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env.VR_SHUTDOWN_TIMEOUT_SEC ?? 30);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 30_000;
}
