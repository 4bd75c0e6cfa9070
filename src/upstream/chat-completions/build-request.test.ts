import { describe, expect, it } from 'vitest';
import { turnRequest as turn } from './__fixtures__/turn.js';
import { buildChatRequest } from './build-request.js';


const weather = { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: {} }, strict: true };

describe('buildChatRequest', () => {
  it('streams with usage by default and omits every unset option', () => {
    expect(buildChatRequest(turn())).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('asks for one JSON answer, without stream_options (vLLM refuses them), when nobody watches the turn', () => {
    expect(buildChatRequest(turn({ stream: false }))).toEqual({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: false });
  });

  it('passes sampling options, max_tokens, user and reasoning effort (zeros included)', () => {
    const body = buildChatRequest(turn({ maxOutputTokens: 64, params: { temperature: 0, top_p: 0.9, presence_penalty: 0.1, frequency_penalty: -0.2, user: 'u1' }, reasoningEffort: 'low' }));
    expect(body).toMatchObject({ max_tokens: 64, temperature: 0, top_p: 0.9, presence_penalty: 0.1, frequency_penalty: -0.2, user: 'u1', reasoning_effort: 'low' });
    expect(body).not.toHaveProperty('max_completion_tokens');
  });

  it('maps tools, tool_choice and parallel_tool_calls', () => {
    const body = buildChatRequest(turn({ tools: [weather, { name: 'bare' }], toolChoice: { name: 'get_weather' }, parallelToolCalls: false }));
    expect(body.tools).toEqual([
      { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: {} }, strict: true } },
      { type: 'function', function: { name: 'bare' } },
    ]);
    expect(body.tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } });
    expect(body.parallel_tool_calls).toBe(false);
    for (const choice of ['auto', 'none', 'required'] as const) expect(buildChatRequest(turn({ tools: [weather], toolChoice: choice })).tool_choice).toBe(choice);
  });

  it('omits tool_choice and parallel_tool_calls when there are no tools', () => {
    const body = buildChatRequest(turn({ toolChoice: 'required', parallelToolCalls: true }));
    expect(body).not.toHaveProperty('tools');
    expect(body).not.toHaveProperty('tool_choice');
    expect(body).not.toHaveProperty('parallel_tool_calls');
  });

  it('asks for logprobs only when wanted', () => {
    expect(buildChatRequest(turn({ logprobs: true, topLogprobs: 3 }))).toMatchObject({ logprobs: true, top_logprobs: 3 });
    const noTop = buildChatRequest(turn({ logprobs: true, topLogprobs: 0 }));
    expect(noTop.logprobs).toBe(true);
    expect(noTop).not.toHaveProperty('top_logprobs');
    expect(buildChatRequest(turn({ logprobs: false, topLogprobs: 3 }))).not.toHaveProperty('logprobs');
  });

  it('maps response formats', () => {
    expect(buildChatRequest(turn({ responseFormat: { type: 'text' } }))).not.toHaveProperty('response_format');
    expect(buildChatRequest(turn({ responseFormat: { type: 'json_object' } })).response_format).toEqual({ type: 'json_object' });
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    expect(buildChatRequest(turn({ responseFormat: { type: 'json_schema', name: 'out', schema, strict: true, description: 'd' } })).response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'out', schema, strict: true, description: 'd' },
    });
    expect(buildChatRequest(turn({ responseFormat: { type: 'json_schema', name: 'out', schema, strict: null } })).response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'out', schema },
    });
  });
});
