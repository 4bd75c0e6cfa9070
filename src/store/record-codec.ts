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
  for (const item of record.inputItems) items.push(itemRow(items.length, false, item));
  const firstOutput = items.length;
  for (const item of record.outputItems) items.push(itemRow(items.length, true, item));
  return {
    id: record.id,
    parentId: record.parentId,
    owner: record.owner,
    responseJson: responseJsonOf(record, items, firstOutput),
    createdAt: Math.floor(record.createdAt),
    items,
  };
}

function itemRow(seq: number, isOutput: boolean, item: Item): ItemRow {
  const id = (item as { id?: unknown }).id;
  return { seq, isOutput, itemId: typeof id === 'string' ? id : null, json: JSON.stringify(item) };
}

/** Stands in for `output` while the rest of the response is serialised (see responseJsonOf). */
const OUTPUT_SLOT = '\u0000';
/** How JSON.stringify writes the stand-in as a key and value (the NUL character is escaped). */
const OUTPUT_SLOT_JSON = '"output":"\\u0000"';
const OUTPUT_KEY_JSON = '"output":';

/**
 * `JSON.stringify(record.response)`, without serialising the output items a second time: when
 * the response's `output` holds exactly the stored output items (no include filter changed one),
 * their row JSON is spliced in where `output` goes — the same bytes, as an array's JSON is its
 * elements' JSON joined by commas. The rest of the response is serialised with a stand-in for
 * `output` (keeping its place among the keys), found by text search; should the stand-in's text
 * occur more than once (a client string holding exactly it), the response is serialised whole.
 */
function responseJsonOf(record: StoredResponseRecord, rows: readonly ItemRow[], firstOutput: number): string {
  const response = record.response;
  const output = (response as { output?: unknown }).output;
  const stored = record.outputItems;
  if (!Array.isArray(output) || output.length !== stored.length || 'toJSON' in response) return JSON.stringify(response);
  for (let i = 0; i < output.length; i++) if (output[i] !== stored[i]) return JSON.stringify(response);
  const text = JSON.stringify({ ...response, output: OUTPUT_SLOT });
  const at = text.indexOf(OUTPUT_SLOT_JSON);
  if (at < 0 || text.includes(OUTPUT_SLOT_JSON, at + 1)) return JSON.stringify(response);
  let outputJson = '[';
  for (let i = firstOutput; i < rows.length; i++) outputJson += (i === firstOutput ? '' : ',') + rows[i]!.json;
  return `${text.slice(0, at + OUTPUT_KEY_JSON.length)}${outputJson}]${text.slice(at + OUTPUT_SLOT_JSON.length)}`;
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
