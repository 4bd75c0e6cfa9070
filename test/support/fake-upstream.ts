import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createH2cServer, type Http2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';

/**
 * A scripted OpenAI-compatible upstream on 127.0.0.1 for tests, benchmarks and the README's
 * quick start. It records every request, and each chat completion is answered by a handler
 * the test sets (default: stream back a short echo of the last user message).
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
  rawBody: string;
}

export type ChatHandler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeUpstream {
  /** Base URL including `/v1`. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Chat-completions requests whose client went away before the answer was finished. */
  aborts: number;
  /** HTTP/2 connections (sessions) accepted so far; 0 for an HTTP/1.1 upstream. */
  h2Sessions: number;
  setChatHandler(handler: ChatHandler): void;
  /** Answers `POST /v1/responses` (the native Responses transport); default 404. */
  setResponsesHandler(handler: ChatHandler): void;
  close(): Promise<void>;
}

export interface ChunkOptions {
  model?: string;
  id?: string;
}

let chunkCounter = 0;

/** One `chat.completion.chunk` object with the given delta. */
export function chunk(delta: Record<string, unknown>, finishReason: string | null = null, opts: ChunkOptions = {}): Record<string, unknown> {
  return {
    id: opts.id ?? `chatcmpl-fake${chunkCounter++}`,
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: opts.model ?? 'fake-model',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

export function usageChunk(prompt: number, completion: number, opts: ChunkOptions = {}): Record<string, unknown> {
  return {
    id: opts.id ?? 'chatcmpl-fake-usage',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: opts.model ?? 'fake-model',
    choices: [],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

/** The chunks of a plain text answer split into the given pieces, vLLM style. */
export function textChunks(pieces: string[], finishReason = 'stop', usage: [number, number] = [10, pieces.length]): Record<string, unknown>[] {
  return [
    chunk({ role: 'assistant', content: '' }),
    ...pieces.map((p) => chunk({ content: p })),
    chunk({}, finishReason),
    usageChunk(usage[0], usage[1]),
  ];
}

export interface SseOptions {
  delayMs?: number;
  /** Omit the final `data: [DONE]` and destroy the socket (an upstream that dies mid-stream). */
  dieAfter?: number;
}

/** Stream chunk objects (or raw `data:` payload strings) as SSE, respecting backpressure. */
export async function sendSse(res: ServerResponse, chunks: (Record<string, unknown> | string)[], opts: SseOptions = {}): Promise<void> {
  if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  for (let i = 0; i < chunks.length; i++) {
    if (opts.dieAfter !== undefined && i >= opts.dieAfter) {
      // Let what was written reach the client first, then drop the connection mid-body.
      await new Promise((r) => setTimeout(r, 30));
      res.socket?.destroy();
      return;
    }
    if (res.destroyed) return;
    const c = chunks[i]!;
    const payload = typeof c === 'string' ? c : JSON.stringify(c);
    if (!res.write(`data: ${payload}\n\n`)) await new Promise((r) => res.once('drain', r));
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
  }
  res.end('data: [DONE]\n\n');
}

/**
 * The one `chat.completion` a `stream: false` request gets for the answer these chunks stream,
 * vLLM style: the deltas joined into one message (tool calls joined by index, in index order),
 * logprobs joined, the last finish_reason and the usage.
 */
export function completionOf(chunks: Record<string, unknown>[]): Record<string, unknown> {
  const message: Record<string, any> = { role: 'assistant', content: null };
  const calls = new Map<number, { id?: string; type: 'function'; function: { name: string; arguments: string } }>();
  let logprobs: unknown[] | null = null;
  let finish: unknown = null;
  let usage: unknown;
  for (const c of chunks as any[]) {
    if (c.usage) usage = c.usage;
    for (const choice of c.choices ?? []) {
      const delta = choice.delta ?? {};
      for (const field of ['content', 'reasoning', 'reasoning_content', 'refusal'] as const) {
        if (typeof delta[field] === 'string' && (delta[field] !== '' || field === 'content')) message[field] = (message[field] ?? '') + delta[field];
      }
      for (const tc of delta.tool_calls ?? []) {
        const call = calls.get(tc.index) ?? { type: 'function' as const, function: { name: '', arguments: '' } };
        if (tc.id) call.id = tc.id;
        if (tc.function?.name) call.function.name = tc.function.name;
        call.function.arguments += tc.function?.arguments ?? '';
        calls.set(tc.index, call);
      }
      if (choice.logprobs?.content) logprobs = [...(logprobs ?? []), ...choice.logprobs.content];
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  if (calls.size) message.tool_calls = [...calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
  const first = (chunks[0] ?? {}) as any;
  return {
    id: first.id ?? 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: first.model ?? 'fake-model',
    choices: [{ index: 0, message, logprobs: logprobs ? { content: logprobs } : null, finish_reason: finish }],
    ...(usage ? { usage } : {}),
  };
}

/**
 * Answers a chat completion with these chunks as the request asked: streamed (sendSse), or as the
 * one JSON completion they add up to. `dieAfter` on a JSON answer sends half of its body, then
 * drops the connection.
 */
export async function sendAnswer(req: RecordedRequest, res: ServerResponse, chunks: Record<string, unknown>[], opts: SseOptions = {}): Promise<void> {
  if (req.body?.stream) return sendSse(res, chunks, opts);
  if (opts.dieAfter === undefined) return sendJson(res, 200, completionOf(chunks));
  const text = JSON.stringify(completionOf(chunks));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.write(text.slice(0, text.length >> 1));
  await new Promise((r) => setTimeout(r, 30));
  res.socket?.destroy();
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function lastUserText(body: any): string {
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  const last = [...messages].reverse().find((m) => m.role === 'user');
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  return (last.content as any[]).map((p) => p.text ?? '').join('');
}

/** Default model: answers "You said: <last user message>" word by word. */
/**
 * Directives a user message may carry so the fake model can exercise the gateway's tools without
 * a GPU (README: "Trying it without a GPU"):
 * - `[[call NAME {json}]]` — call the offered function NAME with these arguments (once: after a
 *   tool result, the model answers `Tool said: <result>`);
 * - `[[reasoning TEXT]]` — stream TEXT as reasoning before the answer;
 * - `[[fail]]` — die in the middle of the stream.
 */
const CALL = /\[\[call ([A-Za-z0-9_.:-]+) (\{.*?\})\]\]/s;
const REASONING = /\[\[reasoning (.*?)\]\]/s;

async function directiveAnswer(req: RecordedRequest, res: ServerResponse, text: string): Promise<boolean> {
  const messages: any[] = Array.isArray(req.body?.messages) ? req.body.messages : [];
  const last = messages.at(-1);
  const reasoning = REASONING.exec(text)?.[1];
  const head = reasoning ? [chunk({ role: 'assistant', content: null, reasoning_content: reasoning })] : [];
  if (last?.role === 'tool') {
    const result = typeof last.content === 'string' ? last.content : JSON.stringify(last.content);
    await sendAnswer(req, res, [...head, ...textChunks(`Tool said: ${result}`.split(/(?<= )/))]);
    return true;
  }
  const call = CALL.exec(text);
  const offered = (req.body?.tools ?? []).some((t: any) => t?.function?.name === call?.[1]);
  if (call && offered) {
    await sendAnswer(req, res, [...head, chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: `call_fake${chunkCounter++}`, type: 'function', function: { name: call[1], arguments: call[2] } }] }), chunk({}, 'tool_calls'), usageChunk(10, 5)]);
    return true;
  }
  if (text.includes('[[fail]]')) {
    await sendAnswer(req, res, [...head, ...textChunks(['This answer ', 'will ', 'break ', 'here'])], { dieAfter: head.length + 3 });
    return true;
  }
  if (reasoning) {
    await sendAnswer(req, res, [...head, ...textChunks(`You said: ${text.replace(REASONING, '').trim()}`.split(/(?<= )/))]);
    return true;
  }
  return false;
}

export const echoHandler: ChatHandler = async (req, res) => {
  const said = lastUserText(req.body);
  if (said.includes('[[') && (await directiveAnswer(req, res, said))) return;
  const words = `You said: ${said}`.split(/(?<= )/);
  if (req.body?.stream) {
    await sendSse(res, textChunks(words));
    return;
  }
  sendJson(res, 200, {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: req.body?.model ?? 'fake-model',
    choices: [{ index: 0, message: { role: 'assistant', content: words.join('') }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: words.length, total_tokens: 10 + words.length },
  });
};

/**
 * The fake's tokenizer, deterministic and simple enough for tests to predict: each message costs
 * 4 tokens plus one per whitespace-separated word of its text (content, tool call arguments),
 * tools cost one per word of their JSON, and the generation prompt 3. `/tokenize` answers with
 * this count; with `maxModelLen` set, chat completions over the context are a vLLM-style 400.
 */
export function fakeTokenCount(body: { messages?: unknown[]; tools?: unknown[] }): number {
  const words = (s: string) => s.split(/\s+/).filter(Boolean).length;
  const text = (content: unknown): string =>
    typeof content === 'string' ? content : Array.isArray(content) ? content.map((p: any) => (typeof p?.text === 'string' ? p.text : '')).join(' ') : '';
  let n = 3;
  for (const m of (body.messages ?? []) as any[]) {
    n += 4 + words(text(m?.content));
    for (const call of (m?.tool_calls ?? []) as any[]) n += words(`${call?.function?.name ?? ''} ${call?.function?.arguments ?? ''}`);
  }
  if (body.tools?.length) n += words(JSON.stringify(body.tools).replace(/[{}[\]",:]/g, ' '));
  return n;
}

export interface FakeUpstreamOptions {
  port?: number;
  models?: string[];
  handler?: ChatHandler;
  /** Keep `requests` (default true; benchmarks turn it off). */
  record?: boolean;
  /** Context length: listed in /v1/models and enforced on chat completions (vLLM's 400). */
  maxModelLen?: number;
  /** Serve vLLM's `POST /tokenize` (default true). */
  tokenize?: boolean;
  /**
   * Speak cleartext HTTP/2 (prior knowledge) instead of HTTP/1.1, for `VR_UPSTREAM_HTTP2`. Handlers
   * get node:http2's compatibility request/response, which has the same API as node:http's.
   */
  http2?: boolean;
}

export async function startFakeUpstream(opts: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  let handler: ChatHandler = opts.handler ?? echoHandler;
  let responsesHandler: ChatHandler | null = null;
  const models = opts.models ?? ['fake-model'];
  const state = { aborts: 0 };
  const requests: RecordedRequest[] = [];

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(parts).toString('utf8');
      let body: any = null;
      try {
        body = rawBody ? JSON.parse(rawBody) : null;
      } catch {
        body = rawBody;
      }
      const path = (req.url ?? '/').split('?')[0]!;
      const recorded: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, rawBody };
      if (opts.record !== false) requests.push(recorded);
      if (req.method === 'GET' && path === '/v1/models') {
        const len = opts.maxModelLen ? { max_model_len: opts.maxModelLen } : {};
        sendJson(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake', ...len })) });
        return;
      }
      if (req.method === 'POST' && path === '/tokenize' && opts.tokenize !== false) {
        const count = fakeTokenCount(body ?? {});
        sendJson(res, 200, { count, max_model_len: opts.maxModelLen ?? 4096, tokens: Array.from({ length: count }, (_, i) => i) });
        return;
      }
      if (req.method === 'POST' && path === '/v1/chat/completions' && opts.maxModelLen) {
        const prompt = fakeTokenCount(body ?? {});
        const wanted = prompt + (body?.max_tokens ?? 1);
        if (wanted > opts.maxModelLen) {
          sendJson(res, 400, {
            object: 'error',
            message: `This model's maximum context length is ${opts.maxModelLen} tokens. However, you requested ${wanted} tokens (${prompt} in the messages, ${body?.max_tokens ?? 1} in the completion). Please reduce the length of the messages or completion.`,
            type: 'BadRequestError',
            param: null,
            code: 400,
          });
          return;
        }
      }
      const active = req.method === 'POST' && path === '/v1/chat/completions' ? handler : req.method === 'POST' && path === '/v1/responses' ? responsesHandler : null;
      if (active) {
        res.on('close', () => {
          if (!res.writableFinished) state.aborts++;
        });
        Promise.resolve(active(recorded, res)).catch((err: unknown) => {
          if (!res.headersSent) sendJson(res, 500, { error: { message: String(err), type: 'server_error', param: null, code: null } });
          else res.destroy();
        });
        return;
      }
      sendJson(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error', param: null, code: null } });
    });
  };
  const sessions = new Set<Http2Session>();
  let h2Sessions = 0;
  let server: Server;
  if (opts.http2) {
    // Streams per connection well above the gateway's 100, so the client's own limit decides.
    const h2 = createH2cServer({ settings: { maxConcurrentStreams: 1000 } }, listener as never);
    h2.on('session', (session: Http2Session) => {
      sessions.add(session);
      h2Sessions++;
      session.on('close', () => sessions.delete(session));
    });
    server = h2 as unknown as Server;
  } else {
    server = createServer(listener);
    server.keepAliveTimeout = 60_000;
  }
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    get aborts() {
      return state.aborts;
    },
    get h2Sessions() {
      return h2Sessions;
    },
    setChatHandler(h) {
      handler = h;
    },
    setResponsesHandler(h) {
      responsesHandler = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (opts.http2) for (const session of sessions) session.destroy();
        else server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
