/**
 * Turning records into rows and rows back into history, shared by the SQLite and PostgreSQL
 * stores so both databases store and rebuild exactly the same thing.
 */
import type { Item } from '../api/items.js';
import { InvalidRecordError } from './errors.js';
import type { ConversationHistory, ResponseObject, StoredResponseRecord } from './types.js';

export interface ItemRow {
  seq: number;
  isOutput: boolean;
  itemId: string | null;
  json: string;
}

export interface EncodedRecord {
  id: string;
  parentId: string | null;
  owner: string;
  responseJson: string;
  createdAt: number;
  items: ItemRow[];
}

/**
 * Serialise everything before a transaction opens, so the write lock is held only for the
 * inserts. Inputs come first (seq 0..n-1), then outputs: the order history replays them in.
 * A record that carries its encoding (`record.encoded`) is not serialised again.
 */
export function encodeRecord(record: StoredResponseRecord): EncodedRecord {
  return record.encoded ?? encodeFresh(record);
}

function encodeFresh(record: StoredResponseRecord): EncodedRecord {
  if (typeof record.owner !== 'string' || record.owner === '') throw new InvalidRecordError(`response ${record.id} has no owner`);
  if (record.parentId === record.id) throw new InvalidRecordError(`response ${record.id} cannot be its own previous response`);
  const items: ItemRow[] = [];
  const push = (item: Item, isOutput: boolean): void => {
    const itemId = typeof (item as { id?: unknown }).id === 'string' ? (item as { id: string }).id : null;
    items.push({ seq: items.length, isOutput, itemId, json: JSON.stringify(item) });
  };
  for (const item of record.inputItems) push(item, false);
  for (const item of record.outputItems) push(item, true);
  return {
    id: record.id,
    parentId: record.parentId,
    owner: record.owner,
    responseJson: JSON.stringify(record.response),
    createdAt: Math.floor(record.createdAt),
    items,
  };
}

/** Marker `seq` of the history row that carries the anchor's response object. */
export const ANCHOR_ROW_SEQ = -1;

/**
 * Rows of the history query, already ordered root → anchor: item rows carry item JSON, the
 * single anchor row (seq = ANCHOR_ROW_SEQ) carries the response object. No anchor row means
 * the anchor is absent or deleted.
 */
export function decodeHistory(rows: readonly (readonly unknown[])[], seqColumn: number, jsonColumn: number): ConversationHistory | null {
  let response: ResponseObject | null = null;
  const items: Item[] = [];
  for (const row of rows) {
    const seq = row[seqColumn];
    const json = row[jsonColumn] as string;
    if (seq === ANCHOR_ROW_SEQ) response = JSON.parse(json) as ResponseObject;
    else items.push(JSON.parse(json) as Item);
  }
  return response === null ? null : { response, items };
}

/** Lookups with ids no record can have (PostgreSQL rejects NUL bytes in text outright). */
export function isImpossibleId(id: unknown): boolean {
  return typeof id !== 'string' || id.length === 0 || id.includes('\u0000');
}

/** The record's items (inputs, then outputs) as one JSON array, from their encoded bytes. */
export function itemsArrayJson(encoded: EncodedRecord): string {
  // Exactly JSON.stringify([...inputs, ...outputs]): elements joined by commas, no spaces.
  return `[${encoded.items.map((row) => row.json).join(',')}]`;
}
