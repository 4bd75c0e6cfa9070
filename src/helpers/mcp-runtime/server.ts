/**
 * The MCP runtime's loopback HTTP API, shared by all gateway workers:
 *   GET  /health                               → 200 {status:"ok", servers, available}
 *   GET  /servers                              → {servers:[{label, transport, available, error}]}
 *   GET  /servers/:label/tools                 → {tools:[{name, description, input_schema, annotations}]}
 *   POST /servers/:label/tools/:name/call      {arguments} → {content, is_error, structured_content?}
 * Errors are `{error: message}` with 404 (unknown label), 409 (server unavailable), 400 (bad
 * body), 502/504 (the MCP server failed or timed out).
 * Every route but /health needs the per-start token in `x-vr-helper-token` (else 401), so no
 * other local process can call MCP tools through the runtime.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HELPER_TOKEN_HEADER, newHelperToken, tokenMatcher } from '../helper-token.js';
import { SessionError, type McpSessions } from './sessions.js';

const MAX_BODY = 8 * 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new SessionError(409, 'request body too large');
    parts.push(c);
  }
  const text = Buffer.concat(parts).toString('utf8');
  return text ? JSON.parse(text) : {};
}

async function route(sessions: McpSessions, tokenOk: ReturnType<typeof tokenMatcher>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const seg = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (req.method === 'GET' && path === '/health') {
    const statuses = sessions.statuses();
    return send(res, 200, { status: 'ok', servers: statuses.length, available: statuses.filter((s) => s.available).length });
  }
  if (!tokenOk(req.headers[HELPER_TOKEN_HEADER])) return send(res, 401, { error: 'missing or invalid helper token' });
  if (req.method === 'GET' && seg.length === 1 && seg[0] === 'servers') return send(res, 200, { servers: sessions.statuses() });
  if (req.method === 'GET' && seg.length === 3 && seg[0] === 'servers' && seg[2] === 'tools') {
    return send(res, 200, { tools: await sessions.listTools(seg[1] ?? '') });
  }
  if (req.method === 'POST' && seg.length === 5 && seg[0] === 'servers' && seg[2] === 'tools' && seg[4] === 'call') {
    let body: unknown;
    try {
      body = await readJson(req);
    } catch {
      return send(res, 400, { error: 'the body must be JSON: {"arguments": {...}}' });
    }
    const args = (body as { arguments?: unknown } | null)?.arguments ?? {};
    if (typeof args !== 'object' || args === null || Array.isArray(args)) return send(res, 400, { error: "'arguments' must be an object" });
    return send(res, 200, await sessions.callTool(seg[1] ?? '', seg[3] ?? '', args as Record<string, unknown>));
  }
  send(res, 404, { error: `no route ${req.method} ${path}` });
}

export interface McpRuntimeServer {
  server: Server;
  port: number;
  /** The token callers must present (given, or generated when omitted). */
  token: string;
  close(): Promise<void>;
}

export async function startMcpRuntimeServer(sessions: McpSessions, host: string, port: number, token = newHelperToken()): Promise<McpRuntimeServer> {
  const tokenOk = tokenMatcher(token);
  const server = createServer((req, res) => {
    route(sessions, tokenOk, req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof SessionError) send(res, err.status, { error: err.message });
      else send(res, 500, { error: (err as Error).message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
