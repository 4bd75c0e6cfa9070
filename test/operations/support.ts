/** Start-up and scrape helpers for the operations tests, which run the real CLI. */
import { freePort, spawnCli, waitForHttp, type CliProcess } from '../support/cli.js';

export { parseExposition, sampleValue } from '../observability/support/exposition.js';

export interface ServeProcess {
  proc: CliProcess;
  origin: string;
  port: number;
}

/** `vllm-responses serve` on a free loopback port (code interpreter off), ready on /health. */
export async function startServe(upstreamUrl: string, extraArgs: string[], env: Record<string, string>): Promise<ServeProcess> {
  const port = await freePort();
  const proc = spawnCli(
    ['serve', '--upstream', upstreamUrl, '--gateway-host', '127.0.0.1', '--gateway-port', String(port), '--code-interpreter', 'disabled', '--upstream-ready-interval', '0.2', ...extraArgs],
    env,
  );
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(`${origin}/health`, proc, 30_000);
  return { proc, origin, port };
}

/** The JSON log lines a process printed so far (other lines, e.g. the summary, skipped). */
export function jsonLines(output: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut by the chunking of the pipe: ignore
    }
  }
  return lines;
}

export async function postResponse(origin: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${origin}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

export async function scrape(origin: string, path = '/metrics'): Promise<string> {
  const res = await fetch(`${origin}${path}`);
  if (!res.ok) throw new Error(`scrape ${path}: ${res.status}`);
  return res.text();
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
