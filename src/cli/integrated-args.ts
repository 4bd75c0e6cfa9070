// Splits a `vllm serve MODEL --responses …` command line between the gateway (--responses-*
// flags and the public --host/--port) and vLLM (everything else, untouched and in order).
// Gateway flags are validated by the very function that validates `vllm-responses serve`.
import { OptionError, parsePort, type ServeOptions } from '../config/serve-options.js';
import { allGatewayToolPlugins } from '../tools/catalog.js';
import { toServeOptions } from './serve-command.js';
import { LIMIT_SPECS } from '../config/limits.js';

/** `--responses-X` configures the gateway exactly like `vllm-responses serve --X` (gateway tools' flags too). */
export const RESPONSES_FLAGS: readonly string[] = [
  'upstream-api-kind',
  ...allGatewayToolPlugins.flatMap((tool) => tool.flags.map((f) => f.flag)),
  ...LIMIT_SPECS.map((spec) => spec.flag),
];

export interface IntegratedArgs {
  help: boolean;
  /** For vLLM: starts with `serve`, without --responses* flags and without --host/--port. */
  vllmArgs: string[];
  serve: Omit<ServeOptions, 'upstream'>;
  /** The value of vLLM's `--api-key`, still passed on to vLLM. */
  vllmApiKey: string | null;
}

export const DEFAULT_PUBLIC_HOST = '0.0.0.0';
export const DEFAULT_PUBLIC_PORT = 8000;

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/** True when this command line asks for integrated mode. */
export function wantsIntegrated(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  const own = end === -1 ? argv : argv.slice(0, end);
  return own[0] === 'serve' && own.includes('--responses');
}

/** serve's messages name serve's flags; here the user typed the --responses-* spelling. */
export function renameFlags(message: string): string {
  return message.replace(new RegExp(`(?<![\\w-])--(${RESPONSES_FLAGS.join('|')})(?![\\w-])`, 'g'), '--responses-$1');
}

/** Splits `--name=value` or `--name value`; throws when the value is missing. */
function takeValue(argv: readonly string[], i: number, name: string): { value: string; next: number } {
  const token = argv[i]!;
  const eq = token.indexOf('=');
  if (eq !== -1) return { value: token.slice(eq + 1), next: i };
  const value = argv[i + 1];
  if (value === undefined || (value.startsWith('--') && value.length > 2)) throw new OptionError(`option '${name}' needs a value.`);
  return { value, next: i + 1 };
}

export function parseIntegratedArgs(argv: readonly string[]): IntegratedArgs {
  const raw: Record<string, string | undefined> = {};
  const vllmArgs: string[] = [];
  let help = false;
  let host: string | undefined;
  let port: string | undefined;
  let vllmApiKey: string | null = null;

  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      vllmArgs.push(...argv.slice(i));
      break;
    }
    const name = token.startsWith('--') ? token.split('=')[0]! : token;
    if (name === '--responses') continue;
    if (name === '--help' || name === '-h') {
      help = true;
      continue;
    }
    if (name.startsWith('--responses-')) {
      const flag = name.slice('--responses-'.length);
      if (!RESPONSES_FLAGS.includes(flag)) throw new OptionError(`unknown option '${name}' (see vllm serve --responses --help).`);
      const { value, next } = takeValue(argv, i, name);
      raw[camel(flag)] = value;
      i = next;
      continue;
    }
    if (name === '--host' || name === '--port') {
      const { value, next } = takeValue(argv, i, name);
      if (name === '--host') host = value;
      else port = value;
      i = next;
      continue;
    }
    if (name === '--headless') {
      throw new OptionError('--headless cannot be combined with --responses: integrated mode needs vLLM\'s API server. Run headless vLLM on its own and point `vllm-responses serve --upstream` at its API server.');
    }
    if (name === '--api-server-count' || name === '-asc') {
      const { value, next } = takeValue(argv, i, name);
      if (!/^\d+$/.test(value) || Number(value) > 1) {
        throw new OptionError(`--api-server-count ${value} cannot be combined with --responses: integrated mode runs one API server behind one gateway worker. Use plain \`vllm serve\` with \`vllm-responses serve --gateway-workers N\` to scale out.`);
      }
      vllmArgs.push(...argv.slice(i, next + 1));
      i = next;
      continue;
    }
    if (name === '--api-key') {
      const { value, next } = takeValue(argv, i, name);
      vllmApiKey = value;
      vllmArgs.push(...argv.slice(i, next + 1));
      i = next;
      continue;
    }
    vllmArgs.push(token);
  }

  let serve: ServeOptions;
  try {
    serve = toServeOptions({
      ...raw,
      // Placeholder: vLLM's private address is only known once a port is picked.
      upstream: 'http://127.0.0.1',
      gatewayHost: host ?? DEFAULT_PUBLIC_HOST,
      gatewayWorkers: '1',
    });
    serve.gatewayPort = parsePort('--port', port ?? String(DEFAULT_PUBLIC_PORT));
  } catch (err) {
    if (err instanceof OptionError) throw new OptionError(renameFlags(err.message));
    throw err;
  }
  const { upstream: _placeholder, ...gateway } = serve;
  return { help, vllmArgs, serve: gateway, vllmApiKey };
}
