import { Command, Option } from 'commander';
import { RESPONSES_FLAGS, DEFAULT_PUBLIC_HOST, DEFAULT_PUBLIC_PORT } from './integrated-args.js';
import { buildServeCommand, envHelp } from './serve-command.js';

/**
 * `vllm serve --responses --help`. The --responses-* descriptions and defaults are read from
 * the `vllm-responses serve` command itself, so the two can never drift apart.
 */
export function integratedHelp(): string {
  const serve = buildServeCommand();
  const help = new Command('vllm serve')
    .usage('MODEL --responses [--responses-* options] [vLLM options]')
    .description(
      'Start vLLM and the Responses API gateway as one server. vLLM runs on a private loopback port; the gateway ' +
        'serves --host/--port, owns /v1/responses*, /v1/mcp/*, /health and /metrics, and proxies every other ' +
        "route to vLLM unchanged (vLLM's own /metrics is at /vllm/metrics).",
    )
    .helpOption(false)
    .addOption(new Option('--responses', 'enable integrated mode (required)'))
    .addOption(new Option('--host <host>', 'public bind host (taken from vLLM\'s own flag)').default(DEFAULT_PUBLIC_HOST))
    .addOption(new Option('--port <port>', 'public bind port (taken from vLLM\'s own flag)').default(String(DEFAULT_PUBLIC_PORT)));
  for (const flag of RESPONSES_FLAGS) {
    const source = serve.options.find((o) => o.long === `--${flag}`);
    if (!source) continue;
    const option = new Option(`--responses-${source.flags.slice(2)}`, source.description);
    if (source.defaultValue !== undefined) option.default(source.defaultValue);
    help.addOption(option);
  }
  return (
    help.helpInformation() +
    '\nEvery other option is passed to vLLM unchanged (see `vllm serve --help`). --headless and\n' +
    '--api-server-count > 1 are not supported in integrated mode. Deployment settings (store, metrics,\n' +
    'tracing, auth, logging) come from the VR_* environment variables, as for `vllm-responses serve`.\n' +
    envHelp()
  );
}
