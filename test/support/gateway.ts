import OpenAI from 'openai';
import type { EnvSettings } from '../../src/config/env.js';
import { readRunSettings, type RunSettings } from '../../src/config/run-settings.js';
import { SERVE_DEFAULTS, type ServeOptions } from '../../src/config/serve-options.js';
import { createGateway } from '../../src/server/gateway.js';
import { defaultToolOptions } from '../../src/tools/catalog.js';
import type { ResponseStore } from '../../src/store/types.js';
import type { GatewayTool } from '../../src/tools/types.js';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream.js';
import { storeBackends } from './stores.js';

export interface TestGateway {
  url: string;
  client: OpenAI;
  upstream: FakeUpstream;
  close(): Promise<void>;
}

export function serveOptions(upstream: string, overrides: Partial<ServeOptions> = {}): ServeOptions {
  return {
    ...SERVE_DEFAULTS,
    ...defaultToolOptions(),
    upstream,
    gatewayHost: '127.0.0.1',
    gatewayPort: 0,
    ...overrides,
  };
}

export function envSettings(overrides: Partial<EnvSettings> = {}): EnvSettings {
  return { upstreamApiKey: null, apiKeys: [], reasoningEvents: 'openai', metricsEnabled: true, metricsPath: '/metrics', ...overrides };
}

/** An in-process gateway on a random loopback port in front of a fresh fake upstream. */
export async function startTestGateway(
  opts: {
    upstream?: FakeUpstream;
    store?: ResponseStore | null;
    env?: Partial<EnvSettings>;
    tools?: GatewayTool[];
    serve?: Partial<ServeOptions>;
    codeInterpreterUrl?: string;
    /** The helper's token (CodeInterpreterServer.token). */
    codeInterpreterToken?: string;
    /** Open a fresh SQLite store for this gateway (closed and removed with it). */
    sqliteStore?: boolean;
    /** Background-run and WebSocket settings (default: from the environment). */
    runSettings?: Partial<RunSettings>;
  } = {},
): Promise<TestGateway> {
  const upstream = opts.upstream ?? (await startFakeUpstream());
  const owned = opts.sqliteStore ? await storeBackends()[0]!.open() : null;
  const { app, upstream: client } = createGateway({
    serve: serveOptions(upstream.url, opts.serve),
    env: envSettings(opts.env),
    store: owned?.store ?? opts.store ?? null,
    tools: opts.tools,
    codeInterpreterUrl: opts.codeInterpreterUrl ?? null,
    codeInterpreterToken: opts.codeInterpreterToken,
    runSettings: { ...readRunSettings({}), ...opts.runSettings },
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const sdk = new OpenAI({ baseURL: `${address}/v1`, apiKey: 'test-key', maxRetries: 0, timeout: 20_000 });
  return {
    url: address,
    client: sdk,
    upstream,
    async close() {
      await app.close();
      await client.close();
      await owned?.cleanup();
      if (!opts.upstream) await upstream.close();
    },
  };
}
