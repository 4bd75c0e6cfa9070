/**
 * A helper process must not outlive the supervisor that started it: killed with SIGKILL (or
 * SIGTERM to an `npx` wrapper that does not forward it), the supervisor cannot stop its helpers,
 * which would keep holding their ports. The supervisor gives each helper a stdin pipe it never
 * writes to; the operating system closes that pipe when the supervisor dies, however it dies, and
 * the helper then stops itself. Only armed when the supervisor says so (`VR_HELPER_PARENT_PIPE`):
 * a helper started by hand from a terminal keeps its stdin alone.
 */
export const PARENT_PIPE_ENV = 'VR_HELPER_PARENT_PIPE';

export function exitWithParent(stop: (reason: string) => void, env: NodeJS.ProcessEnv = process.env): void {
  if (env[PARENT_PIPE_ENV] !== '1') return;
  const gone = () => stop('supervisor exited');
  process.stdin.once('end', gone);
  process.stdin.once('close', gone);
  process.stdin.once('error', gone);
  process.stdin.resume();
}
