/**
 * The cursor arithmetic of `GET /v1/responses/{id}/input_items`, in one place for both
 * databases. Items are ordered by `seq`; `after`/`before` are item ids naming an exclusive
 * cursor in the *listing* order, so for `desc` "after" means smaller seq.
 *
 * Only fixed SQL fragments are chosen here (direction, which cursor clauses exist); every value
 * is a bound parameter. An unknown cursor id makes its sub-select NULL, the comparison NULL and
 * the page empty, rather than silently ignoring the cursor.
 */
import type { ListInputItemsOptions } from './types.js';

export interface InputItemsQueryParts {
  /** `ORDER BY` direction for seq. */
  direction: 'ASC' | 'DESC';
  /** Conditions to AND onto "this response's input items"; `cursorSeq` renders the sub-select for a cursor. */
  conditions: ((cursorSeq: (cursor: CursorName) => string) => string)[];
  /** The cursors present, in the order the conditions use them, with their item ids. */
  cursors: { name: CursorName; itemId: string }[];
  /** Rows to fetch: one more than the page to learn `hasMore`. */
  fetch: number;
  limit: number;
}

export type CursorName = 'after' | 'before';

export function inputItemsQueryParts(opts: ListInputItemsOptions): InputItemsQueryParts {
  const limit = Math.max(1, Math.trunc(Number.isFinite(opts.limit) ? opts.limit : 20));
  const asc = opts.order === 'asc';
  const parts: InputItemsQueryParts = { direction: asc ? 'ASC' : 'DESC', conditions: [], cursors: [], fetch: limit + 1, limit };
  if (opts.after !== undefined) {
    parts.conditions.push((c) => (asc ? `seq > ${c('after')}` : `seq < ${c('after')}`));
    parts.cursors.push({ name: 'after', itemId: opts.after });
  }
  if (opts.before !== undefined) {
    parts.conditions.push((c) => (asc ? `seq < ${c('before')}` : `seq > ${c('before')}`));
    parts.cursors.push({ name: 'before', itemId: opts.before });
  }
  return parts;
}
