import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import { cassette, collapseDeltas, groundTruthTypes, type Cassette } from './support/cassettes.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { eventSpecErrors, responseSpecErrors } from './support/schemas.js';

/**
 * Real upstream recordings replayed through the gateway byte for byte, and the result compared
 * with OpenAI's own Responses output for the same kind of request (ground truth for event order
 * and shapes; ids, timestamps and text naturally differ).
 */
function replay(c: Cassette) {
  return async (_req: unknown, res: ServerResponse) => {
    if (c.response.sse) {
      res.writeHead(c.response.status_code, { 'content-type': 'text/event-stream; charset=utf-8' });
      for (const piece of c.response.sse) res.write(piece);
      res.end();
      return;
    }
    const body = JSON.stringify(c.response.body);
    res.writeHead(c.response.status_code, { 'content-type': 'application/json' });
    res.end(body);
  };
}

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw.close();
});

async function streamTypes(input: string, extra: Record<string, unknown> = {}) {
  const events: any[] = [];
  const stream = (await gw.client.responses.create({ model: 'gpt-5-nano', input, stream: true, ...extra } as any)) as unknown as AsyncIterable<any>;
  for await (const ev of stream) events.push(ev);
  return events;
}

describe('cassette replays through the gateway', () => {
  it('text-single: same event order as OpenAI, spec-valid events and object', async () => {
    const c = cassette('chat_completions/text-single-stream.yaml');
    gw.upstream.setChatHandler(replay(c));
    const events = await streamTypes(c.request.body.messages[0].content);
    const types = events.map((e) => e.type);
    // OpenAI streams text in more pieces; compare the grammar with runs of deltas collapsed.
    expect(collapseDeltas(types)).toEqual(collapseDeltas(groundTruthTypes('openai_responses/text-single-stream.yaml')));
    for (const e of events) expect(eventSpecErrors(e)).toEqual([]);
    const final = events.at(-1).response;
    expect(final.output_text ?? final.output[0].content[0].text).toBe('Paris.');
    expect(responseSpecErrors(final)).toEqual([]);
    // The exact messages the recording was made with reach the upstream.
    expect(gw.upstream.requests.at(-1)!.body.messages).toEqual(c.request.body.messages);
  });

  it('text-single (JSON): the same answer as a response object', async () => {
    const c = cassette('chat_completions/text-single-stream.yaml');
    gw.upstream.setChatHandler(replay(c));
    const r = await gw.client.responses.create({ model: 'gpt-5-nano', input: 'What is the capital of France?' });
    const truth = cassette('openai_responses/text-single.yaml').response.body as any;
    expect(r.output_text).toBe('Paris.');
    const message = truth.output.find((o: any) => o.type === 'message');
    expect(Object.keys(r.output[0]!).sort()).toEqual(Object.keys(message).filter((k) => k !== 'logprobs').sort());
    expect(Object.keys(r).filter((k) => k !== 'output_text').sort()).toEqual(expect.arrayContaining(Object.keys(truth).filter((k) => !['billing', 'prompt_cache_retention', 'user'].includes(k)).sort()));
  });

  it('text-max_tokens-length: incomplete with max_output_tokens, like OpenAI', async () => {
    const c = cassette('chat_completions/text-max_tokens-length-stream.yaml');
    gw.upstream.setChatHandler(replay(c));
    const events = await streamTypes('Say something long.', { max_output_tokens: 16 });
    const truth = cassette('openai_responses/text-max_output_tokens-incomplete-stream.yaml');
    const truthTerminal = (truth.response.sse ?? []).filter((p) => p.startsWith('data: ')).map((p) => JSON.parse(p.slice(6))).at(-1);
    expect(events.at(-1).type).toBe(truthTerminal.type);
    expect(events.at(-1).response.incomplete_details).toEqual(truthTerminal.response.incomplete_details);
    expect(events.at(-1).response.status).toBe('incomplete');
    expect(events.at(-1).response.output[0].content[0].text).toBe('Partial output');
    for (const e of events) expect(eventSpecErrors(e)).toEqual([]);
  });

  it('model-not-found: the upstream 404 and its message reach the client', async () => {
    const c = cassette('chat_completions/model-not-found-stream.yaml');
    gw.upstream.setChatHandler(replay(c));
    const err = await gw.client.responses.create({ model: 'MiniMaxAI/MiniMax-M2.1', input: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).message).toContain('The model `MiniMaxAI/MiniMax-M2.1` does not exist.');
    expect((err as any).error).toMatchObject({ param: 'model', type: 'invalid_request_error' });
  });
});
