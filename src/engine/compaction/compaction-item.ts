/**
 * Compaction items: what they seal and how they open. A compaction item's `encrypted_content` is
 * a sealed blob (crypto/sealed-blob.ts, purpose "compaction") holding
 *   { v: 1, pinned: Item[], summary: string, after: Item[] }
 * and opens, for the upstream, into: the pinned system/developer messages, one user message with
 * the summary, then `after` (the recent items kept verbatim, which the endpoint also returns
 * before the item).
 *
 * The latest compaction item in a history replaces everything before it (except system and
 * developer messages, which are never compacted away): that is how a chain continued with
 * `previous_response_id` after a compaction stops growing for the model.
 */
import type { CompactionItem, Item, MessageItem } from '../../api/items.js';
import type { SealedBlobs } from '../../crypto/sealed-blob.js';
import { invalidRequest } from '../../api/errors.js';
import { SUMMARY_PREFIX } from './prompt.js';

interface Sealed {
  v: 1;
  pinned: Item[];
  summary: string;
  after: Item[];
}

export function isPinned(item: Item): boolean {
  return item.type === 'message' && (item.role === 'system' || item.role === 'developer');
}

export function sealCompaction(blobs: SealedBlobs, id: string, content: { pinned: Item[]; summary: string; after: Item[] }): CompactionItem {
  const sealed: Sealed = { v: 1, ...content };
  return { type: 'compaction', id, encrypted_content: blobs.seal('compaction', sealed) };
}

/** The items a compaction item stands for; a tampered or foreign blob is a 400 naming `param`. */
export function openCompaction(blobs: SealedBlobs, item: { id: string; encrypted_content?: unknown }, param: string): Item[] {
  const opened = blobs.open('compaction', item.encrypted_content, param) as Partial<Sealed> | null;
  if (!opened || opened.v !== 1 || typeof opened.summary !== 'string' || !Array.isArray(opened.pinned) || !Array.isArray(opened.after)) {
    throw invalidRequest(`Invalid '${param}': unsupported compaction content.`, param, 'invalid_encrypted_content');
  }
  const out: Item[] = [...opened.pinned];
  if (opened.summary) {
    const summary: MessageItem = { type: 'message', id: `${item.id}_summary`, role: 'user', status: 'completed', content: [{ type: 'input_text', text: `${SUMMARY_PREFIX}${opened.summary}` }] };
    out.push(summary);
  }
  out.push(...opened.after);
  return out;
}

function isCompaction(item: Item): item is CompactionItem {
  return item.type === 'compaction';
}

/**
 * The model's view of a history that may hold compaction items: everything before the latest
 * one is dropped (system/developer messages excepted) and the item is opened in place.
 * Histories without compaction items come back unchanged (same array).
 */
export function expandCompactions(items: Item[], blobs: SealedBlobs, param = 'input'): Item[] {
  let last = -1;
  for (let i = items.length - 1; i >= 0; i--) {
    if (isCompaction(items[i]!)) {
      last = i;
      break;
    }
  }
  if (last < 0) return items;
  const before = items.slice(0, last).filter(isPinned);
  return [...before, ...openCompaction(blobs, items[last] as CompactionItem, param), ...items.slice(last + 1)];
}

/** Open every compaction item of a request's input once, so a bad blob is a plain 400 up front. */
export function checkCompactions(input: readonly Item[], blobs: SealedBlobs): void {
  input.forEach((item, i) => {
    if (isCompaction(item)) openCompaction(blobs, item, `input[${i}].encrypted_content`);
  });
}
