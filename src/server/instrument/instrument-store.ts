/**
 * Wraps the response store so each operation gets a span (when tracing is on) and its time is
 * added to the request's timings (`hydrate_ms` for history rebuilds, `store_ms` for the rest).
 *
 * A class bound to one request's observation: routes make one per request (`forRequest`), which
 * costs one small object, and every method lives on the prototype.
 */
import type { Tracer } from '@opentelemetry/api';
import { withSpan } from '../../observability/index.js';
import type { ResponseStore, StoredResponseRecord } from '../../store/types.js';
import type { GatewayObservability } from '../observability.js';
import { addTiming, type PhaseTimings, type RequestObservation } from './request-observation.js';

type Op<T> = () => Promise<T>;

export class InstrumentedStore implements ResponseStore {
  readonly system: string;
  readonly runs: ResponseStore['runs'];
  /** Null when tracing is off: no span objects at all then (the no-op tracer still allocates them). */
  readonly #tracer: Tracer | null;

  constructor(
    private readonly inner: ResponseStore,
    tracer: Tracer | null,
    private readonly observation: RequestObservation | null,
  ) {
    this.system = inner.system;
    this.runs = inner.runs;
    this.#tracer = tracer;
  }

  static create(store: ResponseStore, obs: GatewayObservability): InstrumentedStore {
    return new InstrumentedStore(store, obs.tracingEnabled ? obs.tracer : null, null);
  }

  /** The same store, recording into `observation`. */
  forRequest(observation: RequestObservation | null): InstrumentedStore {
    return new InstrumentedStore(this.inner, this.#tracer, observation);
  }

  get description(): string {
    return this.inner.description;
  }

  private observe<T>(op: string, phase: keyof PhaseTimings, fn: Op<T>): Promise<T> {
    if (!this.#tracer) return this.timed(phase, fn);
    return withSpan(this.#tracer, `store ${op}`, { 'vr.store.operation': op, 'db.system': this.inner.system }, () => this.timed(phase, fn));
  }

  private async timed<T>(phase: keyof PhaseTimings, fn: Op<T>): Promise<T> {
    const started = performance.now();
    try {
      return await fn();
    } finally {
      addTiming(this.observation, phase, performance.now() - started);
    }
  }

  init() {
    return this.inner.init();
  }
  close() {
    return this.inner.close();
  }
  getOrCreateSecret(name: string, create: () => string) {
    return this.inner.getOrCreateSecret(name, create);
  }
  put(record: StoredResponseRecord) {
    return this.observe('put', 'store_ms', () => this.inner.put(record));
  }
  get(id: string, principal: string) {
    return this.observe('get', 'store_ms', () => this.inner.get(id, principal));
  }
  getHistory(id: string, principal: string) {
    return this.observe('get_history', 'hydrate_ms', () => this.inner.getHistory(id, principal));
  }
  delete(id: string, principal: string) {
    return this.observe('delete', 'store_ms', () => this.inner.delete(id, principal));
  }
  listInputItems(...[id, principal, opts]: Parameters<ResponseStore['listInputItems']>) {
    return this.observe('list_input_items', 'store_ms', () => this.inner.listInputItems(id, principal, opts));
  }
  findItems(ids: readonly string[], principal: string) {
    return this.observe('find_items', 'hydrate_ms', () => this.inner.findItems(ids, principal));
  }
  createConversation(...[record, items]: Parameters<ResponseStore['createConversation']>) {
    return this.observe('create_conversation', 'store_ms', () => this.inner.createConversation(record, items));
  }
  getConversation(id: string, owner: string) {
    return this.observe('get_conversation', 'store_ms', () => this.inner.getConversation(id, owner));
  }
  updateConversation(id: string, owner: string, metadata: Record<string, string>) {
    return this.observe('update_conversation', 'store_ms', () => this.inner.updateConversation(id, owner, metadata));
  }
  deleteConversation(id: string, owner: string) {
    return this.observe('delete_conversation', 'store_ms', () => this.inner.deleteConversation(id, owner));
  }
  appendConversationItems(...[id, owner, items]: Parameters<ResponseStore['appendConversationItems']>) {
    return this.observe('append_conversation_items', 'store_ms', () => this.inner.appendConversationItems(id, owner, items));
  }
  listConversationItems(...[id, owner, opts]: Parameters<ResponseStore['listConversationItems']>) {
    return this.observe('list_conversation_items', 'store_ms', () => this.inner.listConversationItems(id, owner, opts));
  }
  getConversationItems(id: string, owner: string) {
    return this.observe('get_conversation_items', 'hydrate_ms', () => this.inner.getConversationItems(id, owner));
  }
  getConversationItem(id: string, owner: string, itemId: string) {
    return this.observe('get_conversation_item', 'store_ms', () => this.inner.getConversationItem(id, owner, itemId));
  }
  deleteConversationItem(id: string, owner: string, itemId: string) {
    return this.observe('delete_conversation_item', 'store_ms', () => this.inner.deleteConversationItem(id, owner, itemId));
  }
}
