import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCodeInterpreterTool } from '../src/tools/code-interpreter/tool.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

/** The fake upstream's directives (npm run fake-upstream) drive the gateway's tools without a GPU. */
let gw: TestGateway;
beforeAll(async () => {
  const interpreter = { execute: async () => ({ status: 'success', stdout: '42\n', stderr: '', result: null, execution_time_ms: 1 }) } as any;
  gw = await startTestGateway({ tools: [createCodeInterpreterTool(interpreter)] });
});
afterAll(async () => {
  await gw.close();
});

describe('fake upstream directives', () => {
  it('[[call NAME {json}]] makes the model call a tool, then answer from its result', async () => {
    const r = await gw.client.responses.create({ model: 'fake-model', input: 'Run it: [[call code_interpreter {"code":"print(6*7)"}]]', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }], stream: true });
    const events: any[] = [];
    for await (const e of r) events.push(e);
    const final = events.at(-1).response;
    expect(final.output.map((o: any) => o.type)).toEqual(['code_interpreter_call', 'message']);
    expect(final.output[0].code).toBe('print(6*7)');
    expect(final.output[1].content[0].text).toContain('Tool said:');
  });

  it('[[reasoning TEXT]] streams reasoning; [[fail]] breaks the stream', async () => {
    const r = await gw.client.responses.create({ model: 'fake-model', input: '[[reasoning thinking hard]] hello', stream: true });
    const events: any[] = [];
    for await (const e of r) events.push(e);
    expect(events.at(-1).response.output.map((o: any) => o.type)).toEqual(['reasoning', 'message']);
    const failing = await gw.client.responses.create({ model: 'fake-model', input: '[[fail]]', stream: true });
    await expect((async () => {
      for await (const _e of failing) {
        // the stream breaks part-way
      }
    })()).rejects.toThrow();
  });
});
