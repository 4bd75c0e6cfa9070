import { Command, Option } from 'commander';
import {
  OptionError,
  parseChoice,
  parseCount,
  parsePort,
  parseSeconds,
  parseUpstreamUrl,
  SERVE_DEFAULTS as D,
  type CoreServeOptions,
  type ServeOptions,
} from '../config/serve-options.js';
import { LIMIT_SPECS, readLimits } from '../config/limits.js';
import { allGatewayToolPlugins } from '../tools/catalog.js';
import type { ToolEnvHelp } from '../tools/plugin.js';
import { runServe } from '../supervisor/serve.js';

/** Raw commander values: all strings, validated in one place by `toServeOptions`. */
type RawServe = Record<string, string | undefined>;

export function toServeOptions(raw: RawServe): ServeOptions {
  const core: CoreServeOptions = {
    upstream: parseUpstreamUrl(raw.upstream),
    upstreamApiKind: parseChoice('--upstream-api-kind', raw.upstreamApiKind ?? D.upstreamApiKind, ['chat_completions', 'responses']),
    upstreamReadyTimeoutSec: parseSeconds('--upstream-ready-timeout', raw.upstreamReadyTimeout ?? String(D.upstreamReadyTimeoutSec)),
    upstreamReadyIntervalSec: parseSeconds('--upstream-ready-interval', raw.upstreamReadyInterval ?? String(D.upstreamReadyIntervalSec)),
    gatewayHost: raw.gatewayHost ?? D.gatewayHost,
    gatewayPort: parsePort('--gateway-port', raw.gatewayPort ?? String(D.gatewayPort)),
    gatewayWorkers: parseCount('--gateway-workers', raw.gatewayWorkers ?? String(D.gatewayWorkers), 1, 256),
    // Flags over VR_* variables over defaults (config/limits.ts).
    limits: readLimits(process.env, Object.fromEntries(LIMIT_SPECS.map((spec) => [spec.flag, raw[camel(spec.flag)]]))),
  };
  // Each gateway tool validates its own flags (its helper's too); their typed values join the options.
  return Object.assign(core, ...allGatewayToolPlugins.map((tool) => tool.readOptions(raw))) as ServeOptions;
}

const CORE_ENV_HELP: readonly ToolEnvHelp[] = [
  { name: 'VR_DB_PATH', description: 'store URL: sqlite:///file.db (default sqlite:///vllm_responses.db) or postgresql://…' },
  { name: 'VR_OPENAI_API_KEY', description: 'key sent to the upstream' },
  { name: 'VR_UPSTREAM_HTTP2', description: '1 = HTTP/2 to the upstream (h2c for http://), many streams per connection (default off)' },
  { name: 'VR_API_KEYS', description: 'client keys (comma-separated); set = every route needs Authorization: Bearer' },
  { name: 'VR_RESPONSE_STORE_CACHE', description: '1 = Redis read-through cache (VR_REDIS_HOST, VR_REDIS_PORT, VR_RESPONSE_STORE_CACHE_TTL_SECONDS)' },
  { name: 'VR_LOG_LEVEL', description: 'trace … fatal, silent (default info); VR_LOG_TIMINGS, VR_LOG_MODEL_MESSAGES' },
  { name: 'VR_METRICS_ENABLED', description: 'default true; VR_METRICS_PATH (default /metrics)' },
  { name: 'VR_TRACING_ENABLED', description: 'OTLP tracing (VR_OPENTELEMETRY_HOST, VR_OPENTELEMETRY_PORT, VR_TRACING_SAMPLE_RATIO)' },
  { name: 'VR_SHUTDOWN_TIMEOUT_SEC', description: 'graceful drain limit (default 30)' },
  { name: 'VR_SSE_KEEPALIVE_SEC', description: 'idle stream keep-alive comment interval (default 10, 0 = off)' },
  { name: 'VR_REASONING_EVENTS', description: 'openai (default) or openresponses' },
  { name: 'VR_COMPACTION_KEY', description: 'key sealing encrypted_content blobs (default: generated once, kept in the store)' },
  { name: 'VR_BACKGROUND_*, VR_WS_*', description: 'background runs (lease, poll, cancel wait, shutdown grace) and WebSocket mode' },
];

/**
 * The deployment settings that are environment variables, not flags (README: Environment): the
 * gateway's own, then each gateway tool's. Shared by `serve --help` and `vllm serve --responses --help`.
 */
export function envHelp(): string {
  const lines = [...CORE_ENV_HELP, ...allGatewayToolPlugins.flatMap((tool) => tool.env ?? [])];
  return [
    '',
    'Environment (deployment settings; see the README for every variable):',
    ...lines.map((l) => `  ${l.name.padEnd(25)} ${l.description}`),
    'Every limit flag above also reads its VR_* variable (the flag wins).',
    '',
  ].join('\n');
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

function limitDefault(spec: (typeof LIMIT_SPECS)[number]): string {
  if (spec.unit === 'seconds') return `${spec.default} s`;
  if (spec.unit === 'bytes') return spec.default % (1024 * 1024) === 0 ? `${spec.default / (1024 * 1024)} MiB` : `${spec.default} bytes`;
  return String(spec.default);
}

export function buildServeCommand(): Command {
  const command = new Command('serve')
    .description('Run the gateway in front of an already running OpenAI-compatible upstream (it does not start vLLM).')
    .option('--upstream <url>', 'exact upstream API base URL, e.g. http://127.0.0.1:8000/v1 (the /v1 suffix is optional); required')
    .addOption(new Option('--upstream-api-kind <kind>', 'upstream transport: chat_completions or responses').default(D.upstreamApiKind))
    .option('--upstream-ready-timeout <seconds>', 'how long to wait for GET {upstream}/models to answer before giving up', String(D.upstreamReadyTimeoutSec))
    .option('--upstream-ready-interval <seconds>', 'polling interval while waiting for the upstream', String(D.upstreamReadyIntervalSec))
    .option('--gateway-host <host>', 'bind host', D.gatewayHost)
    .option('--gateway-port <port>', 'bind port', String(D.gatewayPort))
    .option('--gateway-workers <n>', 'number of gateway worker processes sharing the port', String(D.gatewayWorkers));
  for (const tool of allGatewayToolPlugins) {
    for (const f of tool.flags) command.option(`--${f.flag} <${f.value}>`, f.description, f.default);
  }
  for (const spec of LIMIT_SPECS) {
    command.option(`--${spec.flag} <${spec.unit === 'count' ? 'n' : spec.unit}>`, `limit: ${spec.description} (default ${limitDefault(spec)}; env ${spec.env})`);
  }
  return command
    .addHelpText('after', envHelp())
    .action(async (raw: RawServe) => {
      const opts = toServeOptions(raw);
      const code = await runServe(opts);
      process.exit(code);
    });
}

export { OptionError };
