import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { buildTestMcpServer } from './tools.js';

export interface TestMcpHttpServer {
  url: string;
  /** Headers of every request the server received (to assert what the gateway forwarded). */
  requests: IncomingHttpHeaders[];
  /** `tools/list` requests received, and how many of them the client abandoned (connection closed unanswered). */
  listCalls: { received: number; abandoned: number };
  close(): Promise<void>;
}

/**
 * A real Streamable HTTP MCP server on 127.0.0.1 (stateless: one server + transport per POST).
 * With `requireAuth`, requests without that exact Authorization header get 401.
 */
export async function startTestMcpHttpServer(
  opts: {
    name?: string;
    requireAuth?: string;
    /** `endless`: every tools/list page names a next page; `hang`: tools/list never answers. */
    toolsList?: 'endless' | 'hang';
  } = {},
): Promise<TestMcpHttpServer> {
  const requests: IncomingHttpHeaders[] = [];
  const listCalls = { received: 0, abandoned: 0 };
  const http = createServer(async (req, res) => {
    requests.push(req.headers);
    if (opts.requireAuth && req.headers.authorization !== opts.requireAuth) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as { method?: string; id?: unknown } | null;
    if (body?.method === 'tools/list' && opts.toolsList) {
      listCalls.received++;
      if (opts.toolsList === 'hang') {
        res.on('close', () => listCalls.abandoned++);
        return;
      }
      const result = { tools: [], nextCursor: `page-${listCalls.received}` };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: body.id, result }));
      return;
    }
    const server = buildTestMcpServer(opts.name ?? 'http', () => req.headers.authorization);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    void server.connect(transport).then(() => transport.handleRequest(req, res, body));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests,
    listCalls,
    close: () =>
      new Promise<void>((r) => {
        http.closeAllConnections();
        http.close(() => r());
      }),
  };
}
