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
import { allGatewayToolPlugins } from '../tools/catalog.js';
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
    codeInterpreter: parseChoice('--code-interpreter', raw.codeInterpreter ?? D.codeInterpreter, ['spawn', 'external', 'disabled']),
    codeInterpreterPort: parsePort('--code-interpreter-port', raw.codeInterpreterPort ?? String(D.codeInterpreterPort)),
    codeInterpreterWorkers: parseCount('--code-interpreter-workers', raw.codeInterpreterWorkers ?? String(D.codeInterpreterWorkers), 0, 64),
    codeInterpreterStartupTimeoutSec: parseSeconds('--code-interpreter-startup-timeout', raw.codeInterpreterStartupTimeout ?? String(D.codeInterpreterStartupTimeoutSec)),
    codeInterpreterEgressPolicy: raw.codeInterpreterEgressPolicy ?? null,
    mcpConfig: raw.mcpConfig ?? null,
    mcpPort: parsePort('--mcp-port', raw.mcpPort ?? String(D.mcpPort)),
  };
  // Each gateway tool validates its own flags; their typed values join the options.
  return Object.assign(core, ...allGatewayToolPlugins.map((tool) => tool.readOptions(raw))) as ServeOptions;
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
  return command
    .option('--code-interpreter <mode>', 'code interpreter runtime policy: spawn, external or disabled', D.codeInterpreter)
    .option('--code-interpreter-port <port>', 'code interpreter helper port (loopback)', String(D.codeInterpreterPort))
    .option('--code-interpreter-workers <n>', 'code interpreter runtimes: 0 = one in-process runtime, N >= 1 = a pool of N', String(D.codeInterpreterWorkers))
    .option('--code-interpreter-startup-timeout <seconds>', 'code interpreter readiness timeout', String(D.codeInterpreterStartupTimeoutSec))
    .option('--code-interpreter-egress-policy <path>', 'JSON egress policy for HTTP requests made by Python code')
    .option('--mcp-config <path>', 'built-in MCP servers config (mcpServers JSON); starts the MCP runtime helper')
    .option('--mcp-port <port>', 'loopback port of the built-in MCP runtime', String(D.mcpPort))
    .action(async (raw: RawServe) => {
      const opts = toServeOptions(raw);
      const code = await runServe(opts);
      process.exit(code);
    });
}

export { OptionError };
