import { specForItem } from '../tools/catalog.js';
import { invalidRequest } from './errors.js';
import type { IdGenerator } from './ids.js';
import type { ContentPart, FunctionCallOutputContent, Item, MessageItem } from './items.js';
import type { InputItem } from './request-schema.js';

function messageContent(role: MessageItem['role'], content: string | ContentPart[]): ContentPart[] {
  if (typeof content !== 'string') return content;
  return role === 'assistant' ? [{ type: 'output_text', text: content, annotations: [] }] : [{ type: 'input_text', text: content }];
}

function normalizeOne(item: InputItem, index: number, newId: IdGenerator, lookup: (id: string) => Item | undefined): Item {
  if (!('type' in item) || item.type === undefined || item.type === 'message') {
    const msg = item as Extract<InputItem, { role: string }>;
    const out: MessageItem = {
      type: 'message',
      id: msg.id ?? newId('msg'),
      role: msg.role,
      status: msg.status ?? 'completed',
      content: messageContent(msg.role, msg.content as string | ContentPart[]),
    };
    if (msg.phase) out.phase = msg.phase;
    return out;
  }
  switch (item.type) {
    case 'item_reference': {
      const found = lookup(item.id);
      if (!found) throw invalidRequest(`Item with id '${item.id}' not found.`, `input[${index}].id`, 'item_not_found');
      return found;
    }
    case 'function_call': {
      const { namespace, ...call } = item;
      return { ...call, id: item.id ?? newId('fc'), status: item.status ?? 'completed', ...(namespace ? { namespace } : {}) };
    }
    case 'custom_tool_call': {
      const { namespace, ...call } = item;
      return { ...call, id: item.id ?? newId('ctc'), status: item.status ?? 'completed', ...(namespace ? { namespace } : {}) };
    }
    case 'custom_tool_call_output':
      return { ...item, id: item.id ?? newId('ctco'), status: item.status ?? 'completed', output: item.output as FunctionCallOutputContent };
    case 'local_shell_call':
      return { ...item, id: item.id ?? newId('lsh'), status: item.status ?? 'completed' };
    case 'local_shell_call_output':
      return { ...item, status: item.status ?? 'completed' };
    case 'shell_call':
      return { ...item, id: item.id ?? newId('sh'), environment: item.environment ?? null, status: item.status ?? 'completed' };
    case 'shell_call_output':
      return { ...item, id: item.id ?? newId('sho'), status: item.status ?? 'completed' };
    case 'apply_patch_call':
      return { ...item, id: item.id ?? newId('apc'), status: item.status ?? 'completed' };
    case 'apply_patch_call_output':
      return { ...item, id: item.id ?? newId('apco') };
    case 'function_call_output':
      return { type: 'function_call_output', id: item.id ?? newId('fco'), call_id: item.call_id, output: item.output, status: item.status ?? 'completed' };
    case 'reasoning': {
      // Replayed by id only (`encrypted_content: null`, no text): the stored item, when there is one.
      if (item.id && isBareReasoning(item)) {
        const found = lookup(item.id);
        if (found?.type === 'reasoning') return found;
      }
      const out: Item = { type: 'reasoning', id: item.id ?? newId('rs'), summary: item.summary };
      if (item.content) out.content = item.content;
      if (item.encrypted_content) out.encrypted_content = item.encrypted_content;
      return out;
    }
    case 'compaction':
      return { type: 'compaction', id: item.id ?? newId('cmp'), encrypted_content: item.encrypted_content };
    default: {
      // A gateway tool's item: the tool says how it is stored.
      const normalize = specForItem(item.type)?.normalizeInput?.[item.type];
      return normalize ? normalize(item as { type: string }, newId) : (item as Item);
    }
  }
}

/** A reasoning item that carries nothing but its id (clients replay stored reasoning this way). */
export function isBareReasoning(item: Extract<InputItem, { type: 'reasoning' }>): boolean {
  return !item.content?.length && !item.encrypted_content && item.summary.length === 0;
}

/** Ids the input refers to without carrying the item: `item_reference`s and bare reasoning items. */
export function referencedIds(input: string | InputItem[]): string[] {
  if (typeof input === 'string') return [];
  const ids: string[] = [];
  for (const item of input) {
    if (!('type' in item)) continue;
    if (item.type === 'item_reference') ids.push(item.id);
    else if (item.type === 'reasoning' && item.id && isBareReasoning(item)) ids.push(item.id);
  }
  return ids;
}

/**
 * Turn the request's `input` into stored, model-facing items: string input becomes one user
 * message, string content becomes parts, and every item gets an id. `item_reference`s (and bare
 * reasoning items) are resolved with `lookup`: the conversation history, then any stored item.
 */
export function normalizeInput(input: string | InputItem[], newId: IdGenerator, lookup: (id: string) => Item | undefined): Item[] {
  if (typeof input === 'string') {
    return [{ type: 'message', id: newId('msg'), role: 'user', status: 'completed', content: [{ type: 'input_text', text: input }] }];
  }
  return input.map((item, i) => normalizeOne(item, i, newId, lookup));
}
