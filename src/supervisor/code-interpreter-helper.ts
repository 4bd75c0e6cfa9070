import { fileURLToPath } from 'node:url';
import type { ServeOptions } from '../config/serve-options.js';
import { CODE_INTERPRETER_TOKEN_ENV, newHelperToken } from '../helpers/helper-token.js';
import { checkExternalHelper, HelperProcess } from './helper-process.js';

/** The compiled entry of the helper server, next to this file in dist/. */
const ENTRY = fileURLToPath(new URL('../helpers/code-interpreter-server/entry.js', import.meta.url));

export interface CodeInterpreterRuntime {
  /** Base URL the gateway workers call, or null when the tool is disabled. */
  url: string | null;
  /** The helper's token: generated per start (spawn) or VR_CODE_INTERPRETER_TOKEN (external). */
  token?: string | undefined;
  describe: string;
  stop(): Promise<void>;
}

/**
 * `--code-interpreter spawn|external|disabled`: spawn starts (and keeps restarting) the Pyodide
 * helper on loopback and waits for `/health`; external only checks that one answers there.
 */
export async function startCodeInterpreter(opts: ServeOptions, log: (line: string) => void, env: NodeJS.ProcessEnv): Promise<CodeInterpreterRuntime> {
  const url = `http://127.0.0.1:${opts.codeInterpreterPort}`;
  const timeoutMs = opts.codeInterpreterStartupTimeoutSec * 1000;
  if (opts.codeInterpreter === 'disabled') return { url: null, describe: 'code interpreter disabled', stop: async () => {} };
  if (opts.codeInterpreter === 'external') {
    await checkExternalHelper(`${url}/health`, timeoutMs);
    const token = env[CODE_INTERPRETER_TOKEN_ENV]?.trim();
    if (!token) log(`${CODE_INTERPRETER_TOKEN_ENV} is not set: the external code interpreter will refuse the gateway's calls`);
    return { url, token, describe: `code interpreter external at ${url}`, stop: async () => {} };
  }
  const args = ['--host', '127.0.0.1', '--port', String(opts.codeInterpreterPort), '--workers', String(opts.codeInterpreterWorkers)];
  if (opts.codeInterpreterEgressPolicy) args.push('--egress-policy', opts.codeInterpreterEgressPolicy);
  // A fresh token per start, handed over in the environment (argv is readable by every local user).
  const token = newHelperToken();
  const helper = new HelperProcess({
    name: 'code interpreter',
    script: ENTRY,
    args,
    env: { ...env, [CODE_INTERPRETER_TOKEN_ENV]: token },
    healthUrl: `${url}/health`,
    startupTimeoutMs: timeoutMs,
    log,
  });
  await helper.start();
  return {
    url,
    token,
    describe: `code interpreter spawned at ${url} (${opts.codeInterpreterWorkers} workers)`,
    stop: () => helper.stop(),
  };
}
