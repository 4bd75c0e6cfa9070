// The `vllm` bin of this package shadows the Python `vllm` on PATH; this finds the real one.
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/**
 * Real paths of candidates already handed over to. If one of them turns out to be this package
 * again (a wrapper script rather than a symlink, so real paths differ), the nested run skips
 * it instead of calling itself forever.
 */
export const SKIP_ENV = 'VR_VLLM_SHIM_SKIP';

export interface FindOptions {
  env: NodeJS.ProcessEnv;
  /** Paths that are this program (the running script, the bin it was started through). */
  self: readonly string[];
}

export interface FoundVllm {
  path: string;
  /** Environment for the child: SKIP_ENV extended with the chosen path. */
  env: NodeJS.ProcessEnv;
}

function real(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** `VR_VLLM_BIN`, else the first executable `vllm` on PATH that is not us; null if none. */
export function findRealVllm(opts: FindOptions): FoundVllm | null {
  const skipped = (opts.env[SKIP_ENV] ?? '').split(delimiter).filter(Boolean);
  const ours = new Set([...opts.self, ...skipped].map((p) => real(p) ?? resolve(p)));
  const found = (path: string): FoundVllm => ({
    path,
    env: { ...opts.env, [SKIP_ENV]: [...skipped, real(path) ?? path].join(delimiter) },
  });

  const explicit = opts.env.VR_VLLM_BIN?.trim();
  if (explicit) {
    const r = real(explicit);
    if (r !== null && ours.has(r)) throw new Error(`VR_VLLM_BIN points at this program (${explicit}), not at the Python vLLM.`);
    return found(explicit);
  }
  for (const dir of (opts.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'vllm');
    if (!isExecutableFile(candidate)) continue;
    const r = real(candidate);
    if (r === null || ours.has(r)) continue;
    return found(candidate);
  }
  return null;
}
