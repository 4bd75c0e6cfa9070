#!/usr/bin/env node
// Process entry of the code-interpreter helper (dist/helpers/code-interpreter-server/entry.js),
// spawned by the supervisor:
//   node entry.js --port 5970 --workers 0 [--host 127.0.0.1] [--timeout-ms 30000] [--egress-policy policy.json]
// Extra packages: VR_PYODIDE_CACHE_DIR=<extracted full Pyodide distribution>.
import { Command, InvalidArgumentError } from 'commander';
import { loadEgressPolicyFile } from './egress-policy.js';
import type { HelperLogger } from './logger.js';
import { startCodeInterpreterServer } from './server.js';
import { exitWithParent } from '../exit-with-parent.js';

// One JSON object per line on stdout, so the supervisor can forward or parse it.
const logger: HelperLogger = {
  info: (obj, msg) => log('info', obj, msg),
  warn: (obj, msg) => log('warn', obj, msg),
  error: (obj, msg) => log('error', obj, msg),
};

function log(level: string, obj: object, msg?: string): void {
  process.stdout.write(`${JSON.stringify({ level, time: Date.now(), name: 'code-interpreter', ...obj, msg })}\n`);
}

function intOption(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

async function main(): Promise<void> {
  const program = new Command('code-interpreter')
    .description('vllm-responses code interpreter helper (Python in Pyodide)')
    .option('--host <host>', 'bind host (keep it loopback)', '127.0.0.1')
    .requiredOption('--port <port>', 'bind port', intOption('--port', 0))
    .option('--workers <n>', '0 = single runtime; N >= 1 = pool of N runtimes', intOption('--workers', 0), 0)
    .option('--timeout-ms <ms>', 'per-call execution timeout', intOption('--timeout-ms', 1), 30_000)
    .option('--egress-policy <path>', 'JSON egress policy for Python HTTP requests')
    .parse();
  const opts = program.opts<{ host: string; port: number; workers: number; timeoutMs: number; egressPolicy?: string }>();

  const egressPolicy = opts.egressPolicy ? await loadEgressPolicyFile(opts.egressPolicy) : undefined;
  const cacheDir = process.env.VR_PYODIDE_CACHE_DIR?.trim() || undefined;
  const server = await startCodeInterpreterServer({
    host: opts.host,
    port: opts.port,
    workers: opts.workers,
    timeoutMs: opts.timeoutMs,
    ...(egressPolicy ? { egressPolicy } : {}),
    ...(cacheDir ? { pyodideCacheDir: cacheDir } : {}),
    logger,
  });
  logger.info({ event: 'pyodide_loaded', pyodide_load_ms: Math.round(server.pyodideLoadMs), port: server.port }, 'pyodide loaded');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  exitWithParent(stop);
}

main().catch((err: unknown) => {
  logger.error({ err: err instanceof Error ? err.message : String(err) }, 'code interpreter helper failed to start');
  process.exit(1);
});
