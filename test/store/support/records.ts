/** Realistic records for store tests and the benchmark: one user message in, one assistant message out. */
import { randomBytes } from 'node:crypto';
import type { Item, MessageItem } from '../../../src/api/items.js';
import type { StoredResponseRecord } from '../../../src/store/types.js';

/** The principal that owns the records these helpers build (a request's `request.principal`). */
export const TEST_OWNER = 'test-owner';

export function rid(): string {
  return `resp_${randomBytes(24).toString('hex')}`;
}

function itemId(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('hex')}`;
}

export function userMessage(text: string, id = itemId('msg')): MessageItem {
  return { type: 'message', id, role: 'user', status: 'completed', content: [{ type: 'input_text', text }] };
}

export function assistantMessage(text: string, id = itemId('msg')): MessageItem {
  return { type: 'message', id, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] };
}

export interface TurnOptions {
  parentId?: string | null;
  id?: string;
  input?: Item[];
  output?: Item[];
  metadata?: Record<string, string>;
  instructions?: string | null;
  extra?: Record<string, unknown>;
  owner?: string;
}

/** A stored response shaped like the gateway's: the output also inside `response.output`. */
export function turn(label: string, opts: TurnOptions = {}): StoredResponseRecord {
  const id = opts.id ?? rid();
  const input = opts.input ?? [userMessage(`question ${label}`)];
  const output = opts.output ?? [assistantMessage(`answer ${label}`)];
  return {
    id,
    parentId: opts.parentId ?? null,
    owner: opts.owner ?? TEST_OWNER,
    inputItems: input,
    outputItems: output,
    createdAt: 1_700_000_000,
    response: {
      id,
      object: 'response',
      created_at: 1_700_000_000,
      status: 'completed',
      model: 'test-model',
      instructions: opts.instructions ?? null,
      previous_response_id: opts.parentId ?? null,
      output,
      metadata: opts.metadata ?? {},
      tools: [],
      tool_choice: 'auto',
      usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
      ...opts.extra,
    },
  };
}

/** The items a history must contain for this chain of records, root first. */
export function expectedItems(chain: StoredResponseRecord[]): Item[] {
  return chain.flatMap((r) => [...r.inputItems, ...r.outputItems]);
}
