import { spawn } from 'node:child_process';
import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliProcess } from './cli.js';

/** The compiled `vllm` bin of this package (`npm test` builds first). */
export const VLLM_CLI_PATH = fileURLToPath(new URL('../../dist/cli/vllm.js', import.meta.url));
/** Directory holding the fake Python `vllm`; put first on PATH. */
export const FAKE_VLLM_DIR = fileURLToPath(new URL('./fake-vllm', import.meta.url));

/** Spawns `vllm …` (ours) with the fake vLLM first on PATH. */
export function spawnVllm(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [VLLM_CLI_PATH, ...args], {
    env: { ...process.env, VR_LOG_LEVEL: 'warn', FAKE_VLLM_LOAD_MS: '150', ...env, PATH: `${FAKE_VLLM_DIR}${delimiter}${env.PATH ?? process.env.PATH ?? ''}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
