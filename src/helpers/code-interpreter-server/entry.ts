#!/usr/bin/env node
// Process entry of the code-interpreter helper (dist/helpers/code-interpreter-server/entry.js),
// spawned by the supervisor:
//   VR_CODE_INTERPRETER_TOKEN=<secret> node entry.js --port 5970 --workers 0 [--host 127.0.0.1] [--timeout-ms 30000] [--egress-policy policy.json] [limits…]
// Every limit flag also reads VR_CODE_INTERPRETER_<NAME> (e.g. VR_CODE_INTERPRETER_MEMORY_MB).
// Extra packages: VR_PYODIDE_CACHE_DIR=<extracted full Pyodide distribution>.
import { Command, InvalidArgumentError } from 'commander';
import { CODE_INTERPRETER_TOKEN_ENV, takeTokenFromEnv } from '../helper-token.js';
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

/** A limit's default from its VR_CODE_INTERPRETER_* variable (validated like the flag). */
function envDefault(name: string, min: number, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min} (got '${raw}')`);
  return n;
}

async function main(): Promise<void> {
  // First: the token must not stay in the environment (nothing below may hand it on).
  const token = takeTokenFromEnv(CODE_INTERPRETER_TOKEN_ENV);
  if (!token) throw new Error(`${CODE_INTERPRETER_TOKEN_ENV} must be set: the helper only serves callers that present this token`);
  const E = (name: string, min: number, fallback: number) => String(envDefault(`VR_CODE_INTERPRETER_${name}`, min, fallback));
  const program = new Command('code-interpreter')
    .description('vllm-responses code interpreter helper (Python in Pyodide)')
    .option('--host <host>', 'bind host (keep it loopback)', '127.0.0.1')
    .requiredOption('--port <port>', 'bind port', intOption('--port', 0))
    .option('--workers <n>', 'runs at once: 0 = default (2), N >= 1 = N', intOption('--workers', 0), 0)
    .option('--timeout-ms <ms>', 'per-call execution timeout', intOption('--timeout-ms', 1), Number(E('TIMEOUT_MS', 1, 30_000)))
    .option('--egress-policy <path>', 'JSON egress policy for Python HTTP requests')
    .option('--memory-mb <mb>', 'memory limit of each runtime process', intOption('--memory-mb', 128), Number(E('MEMORY_MB', 128, 1024)))
    .option('--container-idle-sec <s>', 'idle time after which a container expires', intOption('--container-idle-sec', 1), Number(E('CONTAINER_IDLE_SEC', 1, 1200)))
    .option('--max-containers <n>', 'containers in total', intOption('--max-containers', 1), Number(E('MAX_CONTAINERS', 1, 16)))
    .option('--max-containers-per-key <n>', 'containers per API key', intOption('--max-containers-per-key', 1), Number(E('MAX_CONTAINERS_PER_KEY', 1, 4)))
    .option('--spares <n>', 'warm runtimes kept loaded', intOption('--spares', 0), Number(E('SPARES', 0, 1)))
    .option('--max-queued <n>', 'runs waiting in total before new ones are refused', intOption('--max-queued', 0), Number(E('MAX_QUEUED', 0, 64)))
    .option('--max-concurrent-per-key <n>', 'runs at once per API key (default: runs at once - 1, at least 1)', intOption('--max-concurrent-per-key', 1))
    .option('--max-file-bytes <n>', 'bytes of files a container may write', intOption('--max-file-bytes', 0), Number(E('MAX_FILE_BYTES', 0, 100 * 1024 * 1024)))
    .option('--max-files <n>', 'files and directories a container may create', intOption('--max-files', 0), Number(E('MAX_FILES', 0, 10_000)))
    .parse();
  const opts = program.opts<{
    host: string;
    port: number;
    workers: number;
    timeoutMs: number;
    egressPolicy?: string;
    memoryMb: number;
    containerIdleSec: number;
    maxContainers: number;
    maxContainersPerKey: number;
    spares: number;
    maxQueued: number;
    maxConcurrentPerKey?: number;
    maxFileBytes: number;
    maxFiles: number;
  }>();
  const perKeyEnv = process.env.VR_CODE_INTERPRETER_MAX_CONCURRENT_PER_KEY?.trim() ? envDefault('VR_CODE_INTERPRETER_MAX_CONCURRENT_PER_KEY', 1, 1) : undefined;
  const perKey = opts.maxConcurrentPerKey ?? perKeyEnv;

  const egressPolicy = opts.egressPolicy ? await loadEgressPolicyFile(opts.egressPolicy) : undefined;
  const cacheDir = process.env.VR_PYODIDE_CACHE_DIR?.trim() || undefined;
  const server = await startCodeInterpreterServer({
    host: opts.host,
    port: opts.port,
    workers: opts.workers,
    timeoutMs: opts.timeoutMs,
    token,
    memoryLimitMb: opts.memoryMb,
    containers: { idleMs: opts.containerIdleSec * 1000, maxTotal: opts.maxContainers, maxPerPrincipal: opts.maxContainersPerKey, spares: opts.spares },
    scheduling: { maxQueued: opts.maxQueued, ...(perKey ? { maxConcurrentPerPrincipal: perKey } : {}) },
    files: { totalBytes: opts.maxFileBytes, count: opts.maxFiles },
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
