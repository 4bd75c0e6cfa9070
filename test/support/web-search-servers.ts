import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/**
 * Local stand-ins for what web_search talks to, all on 127.0.0.1: DuckDuckGo's HTML endpoint,
 * web pages (with redirects), and Exa's MCP server. Each records what it was asked.
 */
export interface LocalServer {
  url: string;
  hits: string[];
  close(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

export const LONG_PARAGRAPHS = 400;

/** Pages: `/article` (long, with a known phrase near its end), `/short`, and redirects. */
export async function startPageServer(): Promise<LocalServer> {
  const hits: string[] = [];
  const filler = Array.from({ length: LONG_PARAGRAPHS }, (_, i) => `<p>Paragraph ${i} about interest rates &amp; markets.</p>`).join('\n');
  const { server, url } = await listen((req, res) => {
    const path = req.url ?? '/';
    hits.push(path);
    if (path === '/article') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><html><head><title>Rates &amp; You</title><style>.x{color:red}</style><script>var secret = 1;</script></head>` +
          `<body><nav>Home | About</nav><h1>The rate story</h1>${filler}<p>Deep Research is best for background-style workloads.</p></body></html>`,
      );
      return;
    }
    if (path === '/short') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><head><title>Short page</title></head><body><p>The federal funds target range is 3.50%–3.75%.</p></body></html>');
      return;
    }
    if (path === '/redirect') {
      res.writeHead(302, { location: '/short' }).end();
      return;
    }
    const target = { '/redirect-private': 'http://10.0.0.1/admin', '/redirect-metadata': 'http://169.254.169.254/latest/meta-data/', '/redirect-ipv6': 'http://[::ffff:192.168.1.1]/' }[path];
    if (target) {
      res.writeHead(302, { location: target }).end();
      return;
    }
    if (path === '/image') {
      res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(16));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/html' }).end('<p>not found</p>');
  });
  return { url, hits, close: closer(server) };
}

/** DuckDuckGo's HTML results page, in its real markup shape, with one ad first. */
export function duckDuckGoHtml(results: { url: string; title: string; snippet: string }[]): string {
  const ddgLink = (u: string) => `//duckduckgo.com/l/?uddg=${encodeURIComponent(u)}&amp;rut=abc123`;
  const ad = `<div class="result results_links results_links_deep result--ad"><div class="links_main links_deep result__body"><h2 class="result__title"><a rel="nofollow" class="result__a" href="https://duckduckgo.com/y.js?ad_domain=ads.example&amp;u3=x">Buy now</a></h2><a class="result__snippet" href="https://duckduckgo.com/y.js?x">An ad</a></div></div>`;
  const items = results.map(
    (r) => `
<div class="result results_links results_links_deep web-result ">
  <div class="links_main links_deep result__body">
    <h2 class="result__title">
      <a rel="nofollow" class="result__a" href="${ddgLink(r.url)}">${r.title}</a>
    </h2>
    <div class="result__extras"><div class="result__extras__url"><a class="result__url" href="${ddgLink(r.url)}">${r.url}</a></div></div>
    <a class="result__snippet" href="${ddgLink(r.url)}">${r.snippet}</a>
    <div class="clear"></div>
  </div>
</div>`,
  );
  return `<!DOCTYPE html><html><head><title>q at DuckDuckGo</title></head><body><div id="links" class="results">${ad}${items.join('\n')}</div></body></html>`;
}

/** A fake `html.duckduckgo.com/html/`: results that point at the local page server. */
export async function startFakeDuckDuckGo(pagesUrl: string): Promise<LocalServer & { queries: string[] }> {
  const hits: string[] = [];
  const queries: string[] = [];
  const { server, url } = await listen((req, res) => {
    hits.push(req.url ?? '/');
    const q = new URL(req.url ?? '/', 'http://x').searchParams.get('q') ?? '';
    queries.push(q);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      duckDuckGoHtml([
        { url: `${pagesUrl}/short`, title: `Federal <b>funds</b> rate &amp; ${q}`, snippet: 'The <b>target range</b> is 3.50%–3.75%.' },
        { url: `${pagesUrl}/article`, title: 'Rates &amp; You', snippet: 'A long article about rates.' },
      ]),
    );
  });
  return { url: `${url}/html/`, hits, queries, close: closer(server) };
}

/** A fake Exa MCP server (`web_search_exa`, `crawling_exa`) over Streamable HTTP, stateless. */
export async function startFakeExaMcp(): Promise<LocalServer & { apiKeys: (string | null)[]; calls: { name: string; args: unknown }[] }> {
  const hits: string[] = [];
  const apiKeys: (string | null)[] = [];
  const calls: { name: string; args: unknown }[] = [];
  const build = () => {
    const mcp = new McpServer({ name: 'fake-exa', version: '1.0.0' });
    mcp.registerTool('web_search_exa', { description: 'search', inputSchema: { query: z.string(), numResults: z.number().optional() } }, async (args) => {
      calls.push({ name: 'web_search_exa', args });
      const text = [
        `Title: Exa result for ${args.query}`,
        'URL: https://exa.example/one',
        'Published Date: 2026-01-01',
        'Text: The first result text.',
        'It continues here.',
        '',
        'Title: Second',
        'URL: https://exa.example/two',
        'Text: Another snippet.',
      ].join('\n');
      return { content: [{ type: 'text' as const, text }] };
    });
    mcp.registerTool('crawling_exa', { description: 'crawl', inputSchema: { url: z.string(), maxCharacters: z.number().optional() } }, async (args) => {
      calls.push({ name: 'crawling_exa', args });
      if (args.url.includes('missing')) return { content: [{ type: 'text' as const, text: 'Error: could not crawl' }], isError: true };
      return { content: [{ type: 'text' as const, text: JSON.stringify({ results: [{ url: args.url, title: 'Crawled page', text: 'Crawled text: Deep Research is best for background-style workloads.' }] }) }] };
    });
    return mcp;
  };
  const { server, url } = await listen(async (req, res) => {
    hits.push(`${req.method} ${req.url}`);
    if (req.method === 'POST') apiKeys.push(new URL(req.url ?? '/', 'http://x').searchParams.get('exaApiKey'));
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const mcp = build();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  return { url: `${url}/mcp`, hits, apiKeys, calls, close: closer(server) };
}
