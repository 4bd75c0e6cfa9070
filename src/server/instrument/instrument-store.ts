/**
 * Wraps the response store so each operation gets a span and its time is added to the request's
 * timings (`hydrate_ms` for history rebuilds, `store_ms` for the rest).
 */
import { withSpan } from '../../observability/index.js';
import type { ResponseStore } from '../../store/types.js';
import type { GatewayObservability } from '../observability.js';
import type { PhaseTimings } from './request-scope.js';

export function instrumentStore(store: ResponseStore, obs: GatewayObservability): ResponseStore {
  const { tracer, scope } = obs;
  const observe = <T>(op: string, phase: keyof PhaseTimings, fn: () => Promise<T>): Promise<T> =>
    withSpan(tracer, `store ${op}`, { 'vr.store.operation': op, 'db.system': store.system }, async () => {
      const started = performance.now();
      try {
        return await fn();
      } finally {
        scope.add(phase, performance.now() - started);
      }
    });
  return {
    get description() {
      return store.description;
    },
    system: store.system,
    init: () => store.init(),
    close: () => store.close(),
    put: (record) => observe('put', 'store_ms', () => store.put(record)),
    get: (id, principal) => observe('get', 'store_ms', () => store.get(id, principal)),
    getHistory: (id, principal) => observe('get_history', 'hydrate_ms', () => store.getHistory(id, principal)),
    delete: (id, principal) => observe('delete', 'store_ms', () => store.delete(id, principal)),
    listInputItems: (id, principal, opts) =>
      observe('list_input_items', 'store_ms', () => store.listInputItems(id, principal, opts)),
    findItems: (ids, principal) => observe('find_items', 'hydrate_ms', () => store.findItems(ids, principal)),
    runs: store.runs,
    getOrCreateSecret: (name, create) => store.getOrCreateSecret(name, create),
    createConversation: (record, items) => observe('create_conversation', 'store_ms', () => store.createConversation(record, items)),
    getConversation: (id, owner) => observe('get_conversation', 'store_ms', () => store.getConversation(id, owner)),
    updateConversation: (id, owner, metadata) => observe('update_conversation', 'store_ms', () => store.updateConversation(id, owner, metadata)),
    deleteConversation: (id, owner) => observe('delete_conversation', 'store_ms', () => store.deleteConversation(id, owner)),
    appendConversationItems: (id, owner, items) => observe('append_conversation_items', 'store_ms', () => store.appendConversationItems(id, owner, items)),
    listConversationItems: (id, owner, opts) => observe('list_conversation_items', 'store_ms', () => store.listConversationItems(id, owner, opts)),
    getConversationItems: (id, owner) => observe('get_conversation_items', 'hydrate_ms', () => store.getConversationItems(id, owner)),
    getConversationItem: (id, owner, itemId) => observe('get_conversation_item', 'store_ms', () => store.getConversationItem(id, owner, itemId)),
    deleteConversationItem: (id, owner, itemId) => observe('delete_conversation_item', 'store_ms', () => store.deleteConversationItem(id, owner, itemId)),
  };
}
