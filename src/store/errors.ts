/**
 * Errors the store raises on purpose. Lookups of unknown ids never throw (they return null);
 * these are for writes that cannot be honoured.
 */

/**
 * `put` of a continuation whose parent no longer exists. Happens only when the parent was
 * deleted (and had no other descendants) between hydration and the write: storing the child
 * anyway would give it a silently truncated history, so the write is refused instead.
 */
export class ParentNotFoundError extends Error {
  readonly parentId: string;
  constructor(parentId: string) {
    super(`cannot store response: its previous response ${JSON.stringify(parentId.slice(0, 200))} no longer exists`);
    this.name = 'ParentNotFoundError';
    this.parentId = parentId;
  }
}

/** A record the store refuses before touching the database (e.g. a response that is its own parent). */
export class InvalidRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRecordError';
  }
}

/** Appended conversation items reuse an item id the conversation already holds (nothing was written). */
export class DuplicateConversationItemError extends Error {
  constructor(readonly itemId: string) {
    super(`the conversation already has an item with id ${JSON.stringify(itemId.slice(0, 200))}`);
    this.name = 'DuplicateConversationItemError';
  }
}
