// Tiny HTTP helpers shared by the code-interpreter tests.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running helper: its port and the token every call but /health must carry. */
export interface HelperTarget {
  port: number;
  token: string;
}

/** POST /python; `extra` adds container_id, principal, create. */
export async function runPython(helper: HelperTarget, code: string, extra: Record<string, unknown> = {}, signal?: AbortSignal): Promise<Record<string, any>> {
  const res = await fetch(`http://127.0.0.1:${helper.port}/python`, {
    method: 'POST',
    headers: { 'x-vr-helper-token': helper.token },
    body: JSON.stringify({ code, ...extra }),
    ...(signal ? { signal } : {}),
  });
  return (await res.json()) as Record<string, any>;
}

export async function getHealth(port: number): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`http://127.0.0.1:${port}/health`);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** A local HTTP server on 127.0.0.1 answering every request with `body`. */
export async function startTextServer(body: string): Promise<{ port: number; server: Server }> {
  const server = createServer((_req, res) => res.end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as AddressInfo).port, server };
}
