import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import type { ContentPart, Item } from '../../api/items.js';
import { convertToChatMessages } from './convert-to-chat-messages.js';

const msg = (role: 'user' | 'system' | 'developer' | 'assistant', content: ContentPart[]): Item => ({ type: 'message', id: 'msg_x', role, status: 'completed', content });
const userText = (text: string) => msg('user', [{ type: 'input_text', text }]);
const assistantText = (text: string) => msg('assistant', [{ type: 'output_text', text, annotations: [] }]);
const call = (call_id: string, name = 'get_weather', args = '{"city":"Paris"}'): Item => ({ type: 'function_call', id: `fc_${call_id}`, call_id, name, arguments: args, status: 'completed' });
const output = (call_id: string, out: Extract<Item, { type: 'function_call_output' }>['output'] = 'sunny'): Item => ({ type: 'function_call_output', id: `fco_${call_id}`, call_id, output: out, status: 'completed' });
const reasoning = (text: string): Item => ({ type: 'reasoning', id: 'rs_x', summary: [], content: [{ type: 'reasoning_text', text }] });

describe('convertToChatMessages', () => {
  it('puts instructions first as a system message and flattens text-only content to a string', () => {
    expect(convertToChatMessages('Be brief.', [userText('Hi')])).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ]);
  });

  it('keeps roles; developer becomes system by default and developer on request', () => {
    const items = [msg('system', [{ type: 'input_text', text: 's' }]), msg('developer', [{ type: 'input_text', text: 'd' }]), userText('u'), assistantText('a')];
    expect(convertToChatMessages(null, items)).toEqual([
      { role: 'system', content: 's' },
      { role: 'system', content: 'd' },
      { role: 'user', content: 'u' },
      { role: 'assistant', content: 'a' },
    ]);
    expect(convertToChatMessages(null, items, { developerRole: 'developer' })[1]).toEqual({ role: 'developer', content: 'd' });
  });

  it('joins several text parts with newlines', () => {
    const items = [msg('user', [{ type: 'input_text', text: 'a' }, { type: 'input_text', text: 'b' }])];
    expect(convertToChatMessages(null, items)).toEqual([{ role: 'user', content: 'a\nb' }]);
  });

  it('maps images to image_url parts (with detail) and inline files to file parts', () => {
    const items = [
      msg('user', [
        { type: 'input_text', text: 'What is this?' },
        { type: 'input_image', image_url: 'https://example.test/cat.png', detail: 'high' },
        { type: 'input_file', file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' },
      ]),
    ];
    expect(convertToChatMessages(null, items)).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'https://example.test/cat.png', detail: 'high' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
        ],
      },
    ]);
  });

  it('rejects files a Chat Completions upstream cannot take with a 400 on input', () => {
    const byUrl = [msg('user', [{ type: 'input_file', file_url: 'https://example.test/a.pdf' }])];
    expect(() => convertToChatMessages(null, byUrl)).toThrow(ApiError);
    expect(() => convertToChatMessages(null, byUrl)).toThrow(/file_url/);
    const byId = [msg('user', [{ type: 'input_image', file_id: 'file-1', detail: 'auto' }])];
    try {
      convertToChatMessages(null, byId);
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ status: 400, param: 'input', type: 'invalid_request_error' });
    }
  });

  it('turns refusal parts of assistant messages into assistant text', () => {
    expect(convertToChatMessages(null, [msg('assistant', [{ type: 'refusal', refusal: 'I cannot.' }])])).toEqual([{ role: 'assistant', content: 'I cannot.' }]);
  });

  it('merges reasoning, text and consecutive calls of one turn into one assistant message', () => {
    const items = [userText('Weather?'), reasoning('Need tools.'), assistantText('Checking.'), call('c1'), call('c2', 'get_time', '{}'), output('c1'), output('c2', '12:00'), userText('Thanks')];
    expect(convertToChatMessages(null, items)).toEqual([
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: 'Checking.',
        reasoning: 'Need tools.',
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'c2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'sunny', name: 'get_weather' },
      { role: 'tool', tool_call_id: 'c2', content: '12:00', name: 'get_time' },
      { role: 'user', content: 'Thanks' },
    ]);
  });

  it('sends null content next to tool_calls when the turn had no text', () => {
    const [, assistant] = convertToChatMessages(null, [userText('x'), call('c1'), output('c1')]);
    expect(assistant).toEqual({ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] });
  });

  it('attaches reasoning to the following assistant message, and keeps a reasoning-only turn', () => {
    expect(convertToChatMessages(null, [userText('q'), reasoning('think'), assistantText('a'), userText('q2'), reasoning('only')])).toEqual([
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'a', reasoning: 'think' },
      { role: 'user', content: 'q2' },
      { role: 'assistant', content: '', reasoning: 'only' },
    ]);
  });

  it('falls back to the reasoning summary and skips encrypted-only reasoning', () => {
    const summarised: Item = { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'sum' }] };
    const encrypted: Item = { type: 'reasoning', id: 'rs_2', summary: [], encrypted_content: 'xxx' };
    expect(convertToChatMessages(null, [summarised, assistantText('a'), encrypted, assistantText('b')])).toEqual([
      { role: 'assistant', content: 'a', reasoning: 'sum' },
      { role: 'assistant', content: 'b' },
    ]);
  });

  it('joins content-part tool outputs as text, and keeps images as parts', () => {
    const textOnly = convertToChatMessages(null, [call('c1'), output('c1', [{ type: 'input_text', text: 'a' }, { type: 'input_text', text: 'b' }])]);
    expect(textOnly[1]).toEqual({ role: 'tool', tool_call_id: 'c1', content: 'a\nb', name: 'get_weather' });
    const withImage = convertToChatMessages(null, [call('c1'), output('c1', [{ type: 'input_text', text: 'plot' }, { type: 'input_image', image_url: 'data:image/png;base64,AAA' }])]);
    expect(withImage[1]).toEqual({
      role: 'tool',
      tool_call_id: 'c1',
      name: 'get_weather',
      content: [
        { type: 'text', text: 'plot' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,AAA' } },
      ],
    });
  });

  it('rejects an output whose call_id has no earlier call (OpenAI wording)', () => {
    expect(() => convertToChatMessages(null, [output('call_missing'), call('call_missing')])).toThrow('No tool call found for function call output with call_id call_missing.');
  });

  it('rejects a call that never got an output, trailing or not', () => {
    expect(() => convertToChatMessages(null, [userText('x'), call('c1'), userText('y')])).toThrow('No tool output found for function call c1.');
    expect(() => convertToChatMessages(null, [userText('x'), call('c1')])).toThrow(/No tool output found/);
  });

  it('ignores gateway items the tool loop did not rewrite (they are not model-visible here)', () => {
    const ci: Item = { type: 'code_interpreter_call', id: 'ci_1', status: 'completed', code: '1', container_id: 'c', outputs: null };
    expect(convertToChatMessages(null, [userText('x'), ci])).toEqual([{ role: 'user', content: 'x' }]);
  });
});
