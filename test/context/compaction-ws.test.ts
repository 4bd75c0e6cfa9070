/**
 * Compaction over WebSocket mode: a chain started on the socket from the compact endpoint's
 * output, and automatic compaction (context_management) of a socket response, with the openai
 * SDK's WebSocket client.
 */
import { ResponsesWS } from 'openai/resources/responses/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUMMARY_PREFIX } from '../../src/engine/compaction/prompt.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { nextResponse } from '../support/ws-responses.js';

let gw: TestGateway;
let ws: ResponsesWS;
beforeAll(async () => {
  gw = await startTestGateway({ sqliteStore: true });
  ws = new ResponsesWS(gw.client);
  ws.on('error', () => {});
});
afterAll(async () => {
  ws?.close();
  await gw?.close();
});

const lastChat = () => JSON.stringify(gw.upstream.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body.messages);

async function create(body: Record<string, unknown>): Promise<any[]> {
  const done = nextResponse(ws);
  ws.send({ type: 'response.create', model: 'fake-model', ...body } as never);
  return done;
}

describe('compaction over WebSocket mode', () => {
  it('starts a socket chain from the compact endpoint output and continues it with store: false', async () => {
    const compacted = await gw.client.responses.compact({
      model: 'fake-model',
      input: [
        { role: 'user', content: 'alpha secret one' },
        { role: 'assistant', content: 'ok one' },
        { role: 'user', content: 'bravo two' },
        { role: 'assistant', content: 'ok two' },
        { role: 'user', content: 'charlie three' },
      ],
    });
    expect(compacted.output.at(-1)).toMatchObject({ type: 'compaction' });
    const first = await create({ input: [...(compacted.output as never[]), { role: 'user', content: 'delta four' }], store: false });
    expect(first.at(-1).type).toBe('response.completed');
    expect(lastChat()).toContain(SUMMARY_PREFIX.trim().slice(0, 30));
    expect(lastChat()).not.toContain('alpha secret one');
    // Continued from the connection-local cache: the summary still stands in for the old turns.
    const second = await create({ input: 'echo five', previous_response_id: first.at(-1).response.id, store: false });
    expect(second.at(-1).type).toBe('response.completed');
    expect(lastChat()).toContain(SUMMARY_PREFIX.trim().slice(0, 30));
    expect(lastChat()).not.toContain('alpha secret one');
  });

  it('compacts automatically at compact_threshold and sends the compaction item as socket events', async () => {
    let prev: string | undefined;
    for (const input of ['one one one one one one', 'two two two two two two', 'three three three three']) {
      const events = await create({ input, ...(prev ? { previous_response_id: prev } : {}) });
      prev = events.at(-1).response.id;
    }
    const events = await create({ input: 'four', previous_response_id: prev, context_management: [{ type: 'compaction', compact_threshold: 20 }] });
    expect(events.at(-1).type).toBe('response.completed');
    expect(events.filter((e) => e.item?.type === 'compaction').map((e) => e.type)).toEqual(['response.output_item.added', 'response.output_item.done']);
    expect(events.at(-1).response.output.map((i: { type: string }) => i.type)).toEqual(['compaction', 'message']);
    expect(lastChat()).not.toContain('one one one');
  });
});
