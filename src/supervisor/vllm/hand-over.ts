// `vllm …` without `--responses`: behave exactly like the real vLLM. Node cannot exec(), so the
// real one runs as a child with our stdio, gets our signals, and its exit status becomes ours.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'];

export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (constants.signals[signal] ?? 0) : 1);
}

/** Resolves with the exit code to use; if the child died of a signal, we die of the same one. */
export function handOver(bin: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolvePromise) => {
    const child = spawn(bin, args, { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals) => {
      // Ctrl+C / Ctrl+\ at a terminal already reach the child (same foreground process group);
      // sending them again would look like a second Ctrl+C and make vLLM skip its graceful exit.
      if ((signal === 'SIGINT' || signal === 'SIGQUIT') && process.stdin.isTTY) return;
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    for (const s of FORWARDED) process.on(s, forward);
    const cleanup = () => {
      for (const s of FORWARDED) process.off(s, forward);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      cleanup();
      process.stderr.write(`vllm: error: cannot run ${bin}: ${err.message}\n`);
      resolvePromise(err.code === 'ENOENT' ? 127 : 126);
    });
    child.once('exit', (code, signal) => {
      cleanup();
      if (signal) {
        // Re-raise so our parent sees the same cause of death; the fallback code covers
        // signals Node cannot die of by default handling.
        try {
          process.kill(process.pid, signal);
        } catch {
          // fall through to the numeric code
        }
      }
      resolvePromise(exitCodeOf(code, signal));
    });
  });
}
