import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A recorded request as the fake upstream saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: SeenRequest, res: ServerResponse, raw: IncomingMessage) => void | Promise<void>;

export interface ReplayServer {
  url: string;
  requests: SeenRequest[];
  /** Resolves when the server notices a client closing its connection before the response ended. */
  clientAborted: Promise<void>;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 (random port) for adapter/client tests (test support only). */
export async function startReplayServer(handler: Handler): Promise<ReplayServer> {
  const requests: SeenRequest[] = [];
  let notifyAbort: () => void = () => {};
  const clientAborted = new Promise<void>((resolve) => (notifyAbort = resolve));
  const server = createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    raw.on('end', () => {
      const seen = { method: raw.method ?? '', url: raw.url ?? '', headers: raw.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(seen);
      res.on('close', () => {
        if (!res.writableFinished) notifyAbort();
      });
      void handler(seen, res, raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    clientAborted,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes an SSE fixture event by event (split on blank lines), like a real server flushes it. */
export async function writeSse(res: ServerResponse, text: string, delayMs = 0): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  for (const event of text.split(/(?<=\n\n)/)) {
    if (res.destroyed) return;
    res.write(event);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
  }
  res.end();
}
