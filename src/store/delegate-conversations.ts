import type { ConversationStore } from './types.js';

/** Every ConversationStore method of `inner`, for decorators that pass conversations through unchanged. */
export function delegateConversations(inner: ConversationStore): ConversationStore {
  return {
    createConversation: (record, items) => inner.createConversation(record, items),
    getConversation: (id, owner) => inner.getConversation(id, owner),
    updateConversation: (id, owner, metadata) => inner.updateConversation(id, owner, metadata),
    deleteConversation: (id, owner) => inner.deleteConversation(id, owner),
    appendConversationItems: (id, owner, items) => inner.appendConversationItems(id, owner, items),
    listConversationItems: (id, owner, opts) => inner.listConversationItems(id, owner, opts),
    getConversationItems: (id, owner) => inner.getConversationItems(id, owner),
    getConversationItem: (id, owner, itemId) => inner.getConversationItem(id, owner, itemId),
    deleteConversationItem: (id, owner, itemId) => inner.deleteConversationItem(id, owner, itemId),
  };
}
