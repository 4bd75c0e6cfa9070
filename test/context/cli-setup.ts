/**
 * The setup of the context suites: the real CLI (`serve`, SQLite in a temporary folder) in front
 * of a fake upstream, and openai SDK clients for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startServe, type ServeProcess } from '../operations/support.js';
import { startFakeUpstream, type FakeUpstream, type FakeUpstreamOptions } from '../support/fake-upstream.js';

export interface CliSetup {
  upstream: FakeUpstream;
  gw: ServeProcess;
  /** An SDK client of the gateway (no retries). */
  client(apiKey?: string): OpenAI;
  stop(): Promise<void>;
}

export async function startCliSetup(opts: { upstream?: FakeUpstreamOptions; args?: string[]; env?: Record<string, string> } = {}): Promise<CliSetup> {
  const upstream = await startFakeUpstream(opts.upstream);
  const dir = mkdtempSync(join(tmpdir(), 'vr-context-'));
  const stopUpstream = async () => {
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  };
  let gw: ServeProcess;
  try {
    gw = await startServe(upstream.url, opts.args ?? [], { VR_DB_PATH: `sqlite:///${join(dir, 'gateway.db')}`, ...opts.env });
  } catch (err) {
    await stopUpstream();
    throw err;
  }
  return {
    upstream,
    gw,
    client: (apiKey = 'k') => new OpenAI({ baseURL: `${gw.origin}/v1`, apiKey, maxRetries: 0 }),
    stop: async () => {
      gw.proc.child.kill('SIGKILL');
      await stopUpstream();
    },
  };
}
