import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/gateway.js';

/**
 * Property: no request body, however malformed, gets a 5xx or an error that is not OpenAI-shaped.
 * Bodies are valid requests with fields replaced by arbitrary JSON, plus arbitrary JSON values
 * and raw strings. The run count and time are bounded so the suite stays fast.
 */
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ sqliteStore: true });
});
afterAll(async () => {
  await gw.close();
});

const FIELDS = ['model', 'input', 'instructions', 'tools', 'tool_choice', 'text', 'reasoning', 'metadata', 'include', 'previous_response_id', 'store', 'stream', 'temperature', 'top_p', 'max_output_tokens', 'max_tool_calls', 'parallel_tool_calls', 'truncation', 'user', 'background', 'conversation', 'top_logprobs'];

const inputItem = fc.oneof(
  fc.record({ role: fc.constantFrom('user', 'system', 'developer', 'assistant', 'tool', 'x'), content: fc.oneof(fc.string(), fc.array(fc.record({ type: fc.constantFrom('input_text', 'output_text', 'input_image', 'input_file', 'weird'), text: fc.jsonValue() }, { requiredKeys: ['type'] }))) }, { requiredKeys: [] }),
  fc.record({ type: fc.constantFrom('function_call', 'function_call_output', 'reasoning', 'item_reference', 'web_search_call', 'mcp_approval_response', 'code_interpreter_call', 'message', 'nope'), id: fc.string(), call_id: fc.string(), output: fc.jsonValue(), arguments: fc.jsonValue() }, { requiredKeys: ['type'] }),
);

const tool = fc.oneof(
  fc.record({ type: fc.constant('function'), name: fc.string(), parameters: fc.jsonValue(), strict: fc.jsonValue() }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constantFrom('code_interpreter', 'web_search', 'mcp', 'file_search', 'custom'), server_label: fc.string(), server_url: fc.string(), container: fc.jsonValue() }, { requiredKeys: ['type'] }),
);

const mutatedRequest = fc
  .record({
    base: fc.record({ model: fc.constant('fake-model'), input: fc.oneof(fc.string(), fc.array(inputItem, { maxLength: 4 })) }),
    tools: fc.option(fc.array(tool, { maxLength: 3 }), { nil: undefined }),
    overrides: fc.dictionary(fc.constantFrom(...FIELDS), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 3 }),
  })
  .map(({ base, tools, overrides }) => ({ ...base, ...(tools ? { tools } : {}), ...overrides, stream: false }));

const body = fc.oneof(
  { weight: 6, arbitrary: mutatedRequest.map((b) => JSON.stringify(b)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string() },
);

function isOpenAIError(value: any): boolean {
  return (
    value !== null &&
    typeof value === 'object' &&
    Object.keys(value).length === 1 &&
    typeof value.error === 'object' &&
    typeof value.error.message === 'string' &&
    typeof value.error.type === 'string' &&
    'param' in value.error &&
    'code' in value.error
  );
}

describe('request surface fuzz', () => {
  it('never answers 5xx, and every error is OpenAI-shaped', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (raw) => {
        const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw });
        const text = await res.text();
        if (res.status >= 500) throw new Error(`5xx for ${raw.slice(0, 300)}: ${text.slice(0, 300)}`);
        if (res.status >= 400 && !isOpenAIError(JSON.parse(text))) throw new Error(`non-OpenAI error for ${raw.slice(0, 300)}: ${text.slice(0, 300)}`);
      }),
      { numRuns: 300, interruptAfterTimeLimit: 20_000, seed: Number(process.env.VR_FUZZ_SEED ?? 20261130) },
    );
  }, 60_000);

  it('GET routes: arbitrary ids and query strings never give a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), fc.dictionary(fc.constantFrom('limit', 'order', 'after', 'before', 'include'), fc.string()), async (id, query) => {
        const qs = new URLSearchParams(query).toString();
        for (const path of [`/v1/responses/${encodeURIComponent(id)}`, `/v1/responses/${encodeURIComponent(id)}/input_items?${qs}`]) {
          const res = await fetch(`${gw.url}${path}`);
          const text = await res.text();
          if (res.status >= 500) throw new Error(`5xx for ${path}: ${text.slice(0, 200)}`);
          if (res.status >= 400 && !isOpenAIError(JSON.parse(text))) throw new Error(`non-OpenAI error for ${path}: ${text.slice(0, 200)}`);
        }
      }),
      { numRuns: 150, interruptAfterTimeLimit: 10_000 },
    );
  }, 30_000);
});
