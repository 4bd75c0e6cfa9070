#!/usr/bin/env node
// The `vllm` command of this package. `vllm serve MODEL --responses …` runs vLLM and the gateway
// as one server; any other command line is handed to the real (Python) vLLM untouched.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findRealVllm } from '../supervisor/vllm/find-real-vllm.js';
import { handOver } from '../supervisor/vllm/hand-over.js';
import { wantsIntegrated } from './integrated-args.js';

const argv = process.argv.slice(2);
const self = [fileURLToPath(import.meta.url), ...(process.argv[1] ? [process.argv[1]] : [])];
const integrated = wantsIntegrated(argv);
const prefix = integrated ? '[integrated] error:' : 'vllm: error:';

function fail(message: string, code: number): never {
  process.stderr.write(`${prefix} ${message}\n`);
  process.exit(code);
}

async function main(): Promise<number> {
  let args: import('./integrated-args.js').IntegratedArgs | null = null;
  if (integrated) {
    // Loaded only here: a plain hand-over should not pay for the gateway's start-up.
    const { parseIntegratedArgs } = await import('./integrated-args.js');
    const { OptionError } = await import('../config/serve-options.js');
    try {
      args = parseIntegratedArgs(argv);
    } catch (err) {
      if (err instanceof OptionError) fail(err.message, 2);
      throw err;
    }
    if (args.help) {
      const { integratedHelp } = await import('./integrated-help.js');
      process.stdout.write(integratedHelp());
      return 0;
    }
  }

  let real: ReturnType<typeof findRealVllm>;
  try {
    real = findRealVllm({ env: process.env, self: self.map((p) => safeRealpath(p)) });
  } catch (err) {
    fail((err as Error).message, 127);
  }
  if (!real) fail('cannot find the real vLLM: no other `vllm` executable on PATH. Install vLLM (pip install vllm) or set VR_VLLM_BIN to its `vllm` executable.', 127);

  if (!args) return handOver(real.path, argv, real.env);
  const { runIntegrated } = await import('../supervisor/vllm/run-integrated.js');
  const readyTimeoutSec = Number(process.env.VR_VLLM_READY_TIMEOUT_SEC ?? 1800);
  if (!Number.isFinite(readyTimeoutSec) || readyTimeoutSec <= 0) fail(`VR_VLLM_READY_TIMEOUT_SEC must be a positive number of seconds, got '${process.env.VR_VLLM_READY_TIMEOUT_SEC}'.`, 2);
  return runIntegrated({ vllmBin: real.path, vllmArgs: args.vllmArgs, vllmEnv: real.env, serve: args.serve, vllmApiKey: args.vllmApiKey, readyTimeoutSec });
}

function safeRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

try {
  process.exit(await main());
} catch (err) {
  fail(err instanceof Error ? err.message : String(err), 1);
}
