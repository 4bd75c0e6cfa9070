/**
 * `include: ["reasoning.encrypted_content"]`: reasoning a client can carry but not read. Each
 * reasoning item the model produces gets `encrypted_content`, its text sealed with the
 * deployment's key (crypto/sealed-blob.ts, purpose `reasoning`: shared by every worker,
 * persisted). When the item comes back as input — typically statelessly, `store: false`, as
 * Codex does — the gateway opens it and the model sees its own reasoning again. A blob that
 * does not open (altered, another key, another purpose) is a 400 naming it.
 */
import type { Item, ReasoningItem } from '../api/items.js';
import type { SealedBlobs } from '../crypto/sealed-blob.js';

interface SealedReasoning {
  text: string;
}

export function sealReasoning(blobs: SealedBlobs, text: string): string {
  const value: SealedReasoning = { text };
  return blobs.seal('reasoning', value);
}

/** Input reasoning items that carry only a sealed copy get their text back (for the model). */
export function openSealedReasoning(items: Item[], blobs: SealedBlobs): Item[] {
  return items.map((item, i) => {
    if (item.type !== 'reasoning' || !item.encrypted_content || item.content?.some((c) => c.text !== '')) return item;
    const opened = blobs.open('reasoning', item.encrypted_content, `input[${i}].encrypted_content`) as Partial<SealedReasoning> | null;
    const text = typeof opened?.text === 'string' ? opened.text : '';
    const out: ReasoningItem = { ...item, content: [{ type: 'reasoning_text', text }] };
    return out;
  });
}
