import { describe, expect, it } from 'vitest';
import { OptionError } from '../config/serve-options.js';
import { parseIntegratedArgs, renameFlags, wantsIntegrated } from './integrated-args.js';

describe('wantsIntegrated', () => {
  it('needs `serve` and --responses before any `--`', () => {
    expect(wantsIntegrated(['serve', 'm', '--responses'])).toBe(true);
    expect(wantsIntegrated(['serve', 'm'])).toBe(false);
    expect(wantsIntegrated(['chat', '--responses'])).toBe(false);
    expect(wantsIntegrated(['serve', 'm', '--', '--responses'])).toBe(false);
  });
});

describe('parseIntegratedArgs', () => {
  it('keeps vLLM flags in order, takes the public host/port and the --responses-* flags', () => {
    const a = parseIntegratedArgs([
      'serve', 'Qwen/Qwen3-0.6B', '--responses', '--dtype', 'bfloat16', '--host', '127.0.0.2', '--port=9001',
      '--responses-code-interpreter', 'disabled', '--responses-mcp-port=6000', '--max-model-len', '4096', '--api-key', 'sk-v',
    ]);
    expect(a.vllmArgs).toEqual(['serve', 'Qwen/Qwen3-0.6B', '--dtype', 'bfloat16', '--max-model-len', '4096', '--api-key', 'sk-v']);
    expect(a.serve).toMatchObject({ gatewayHost: '127.0.0.2', gatewayPort: 9001, gatewayWorkers: 1, codeInterpreter: 'disabled', mcpPort: 6000, upstreamApiKind: 'chat_completions' });
    expect(a.vllmApiKey).toBe('sk-v');
    expect(a.help).toBe(false);
    expect('upstream' in a.serve).toBe(false);
  });

  it('defaults to 0.0.0.0:8000 and serve defaults for everything else', () => {
    const a = parseIntegratedArgs(['serve', 'm', '--responses']);
    expect(a.serve).toMatchObject({ gatewayHost: '0.0.0.0', gatewayPort: 8000, codeInterpreter: 'spawn', codeInterpreterPort: 5970, webSearchProfile: null, mcpConfig: null });
  });

  it('passes everything after `--` to vLLM verbatim', () => {
    expect(parseIntegratedArgs(['serve', 'm', '--responses', '--', '--port', '1']).vllmArgs).toEqual(['serve', 'm', '--', '--port', '1']);
  });

  it.each([
    [['--headless'], /--headless cannot be combined with --responses/],
    [['--api-server-count', '2'], /--api-server-count 2 cannot be combined with --responses/],
    [['-asc', '4'], /--api-server-count 4 cannot be combined/],
    [['--responses-code-interpreter', 'maybe'], /^--responses-code-interpreter must be one of spawn, external, disabled/],
    [['--responses-code-interpreter-port', '0'], /^--responses-code-interpreter-port must be a port number/],
    [['--responses-upstream-api-kind', 'grpc'], /^--responses-upstream-api-kind must be one of/],
    [['--responses-web-search-profile', 'bing'], /^--responses-web-search-profile must be one of exa_mcp, duckduckgo_plus_fetch/],
    [['--responses-mcp-port'], /option '--responses-mcp-port' needs a value/],
    [['--responses-bogus', 'x'], /unknown option '--responses-bogus'/],
    [['--port', 'http'], /^--port must be a port number/],
  ])('rejects %j with a clear message', (extra, message) => {
    expect(() => parseIntegratedArgs(['serve', 'm', '--responses', ...extra])).toThrow(OptionError);
    expect(() => parseIntegratedArgs(['serve', 'm', '--responses', ...extra])).toThrow(message);
  });

  it('accepts --api-server-count 1 and forwards it', () => {
    expect(parseIntegratedArgs(['serve', 'm', '--responses', '--api-server-count', '1']).vllmArgs).toEqual(['serve', 'm', '--api-server-count', '1']);
  });

  it('notices --help anywhere', () => {
    expect(parseIntegratedArgs(['serve', '--responses', '--help']).help).toBe(true);
  });
});

describe('renameFlags', () => {
  it('renames whole serve flag names only', () => {
    expect(renameFlags('--code-interpreter-port must be …; see --code-interpreter and --gateway-port')).toBe(
      '--responses-code-interpreter-port must be …; see --responses-code-interpreter and --gateway-port',
    );
  });
});
