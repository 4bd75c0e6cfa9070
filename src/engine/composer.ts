import type { IdGenerator } from '../api/ids.js';
import type { Item, LogProb, MessageItem, ReasoningItem } from '../api/items.js';
import type { ResponseResource, ResponseUsage } from '../api/response-object.js';
import { functionCallPresenter } from '../tools/client/model-functions.js';
import type { CallPresenter, ItemEventSink } from '../tools/types.js';
import type { FinishReason, ModelEvent, ModelUsage } from '../model/events.js';

/** One Responses streaming event, as sent on the wire (`sequence_number` filled in by the composer). */
export type StreamEvent = { type: string; sequence_number: number } & Record<string, unknown>;

/** A call the model made this turn, with its complete arguments. */
export interface TurnCall {
  call_id: string;
  name: string;
  arguments: string;
  item: Item;
  /** Still open (a gateway call the loop must run and finish). */
  open: boolean;
}

export interface ComposerOptions {
  newId: IdGenerator;
  /** The presenter for a call to `name`; null for client function calls. */
  presenterFor: (name: string) => CallPresenter | null;
  /** What the client sees of an item (`include` filtering); applied to every emitted item. */
  clientView: (item: Item) => Item;
  /** Keep token logprobs on output text (`include: ["message.output_text.logprobs"]`). */
  includeLogprobs: boolean;
  /** `openai` → `response.reasoning_text.*`; `openresponses` → `response.reasoning.*`. */
  reasoningEvents: 'openai' | 'openresponses';
  clock: () => number;
  /**
   * `parallel_tool_calls: false`: at most one call per turn. Upstreams treat the flag as a hint
   * (or ignore it); calls after the first are dropped so the client never receives two.
   */
  singleCallPerTurn?: boolean;
  /**
   * `reasoning.summary` was requested: the reasoning text is also the item's `summary` and is
   * streamed as `response.reasoning_summary_part.*` / `response.reasoning_summary_text.*`
   * (what clients such as the Vercel AI SDK display). Upstreams give reasoning text, not
   * summaries: the summary is that text.
   */
  reasoningSummary?: boolean;
  /** `include: ["reasoning.encrypted_content"]`: seals a finished reasoning item's text. */
  sealReasoning?: (text: string) => string;
  /**
   * Build stream events at all. A JSON (non-streaming) request only needs the final response
   * object, so it skips event construction and the response snapshots entirely.
   */
  live: boolean;
}

interface OpenMessage {
  item: MessageItem;
  outputIndex: number;
  kind: 'output_text' | 'refusal';
  text: string;
  logprobs: LogProb[];
}

interface OpenReasoning {
  item: ReasoningItem;
  outputIndex: number;
  text: string;
}

interface PendingCall {
  index: number;
  callId: string;
  name: string;
  args: string;
  item: Item;
  presenter: CallPresenter;
  /** Assigned when the item is announced (`output_item.added`), which is in call order. */
  outputIndex: number | null;
  /** Argument text received while another call was streaming; flushed when this one is announced. */
  buffered: string;
  upstreamDone: boolean;
  closed: boolean;
  /** The item was finished by its presenter (client calls); otherwise the loop finishes it. */
  itemDone: boolean;
}

/** What one upstream turn produced, for the tool loop to act on. */
export interface TurnOutcome {
  finishReason: FinishReason;
  calls: TurnCall[];
  /** Items this turn added to `output`, in order (messages, reasoning, calls). */
  items: Item[];
}

function emptyUsage(): ModelUsage {
  return { input_tokens: 0, output_tokens: 0, cached_tokens: 0, reasoning_tokens: 0 };
}

/**
 * The only place that knows the Responses event grammar. It turns model events into
 * Responses stream events, assigning item ids, output/content indexes and sequence numbers,
 * enforcing added → delta → done ordering, and it builds the response object that the
 * terminal event and the JSON body carry.
 *
 * Methods append to an internal queue; the pipeline `drain()`s it after each call and yields
 * the events, so the composer itself stays synchronous and allocation-light.
 */
export class ResponseComposer {
  readonly response: ResponseResource;
  private seq = 0;
  private queue: StreamEvent[] = [];
  private message: OpenMessage | null = null;
  private reasoning: OpenReasoning | null = null;
  private calls: PendingCall[] = [];
  private turnItems: Item[] = [];
  private usage = emptyUsage();
  private finishReason: FinishReason = 'stop';
  /**
   * Text, refusal and reasoning deltas that arrived while a call was still being written. Models
   * do interleave them with a call's argument deltas; closing the call there would cut its
   * arguments, so they wait (in order) until no call is streaming, then become their own item.
   */
  private held: ModelEvent[] = [];

  constructor(
    response: ResponseResource,
    private readonly opts: ComposerOptions,
  ) {
    this.response = response;
    this.functionPresenter = functionCallPresenter(opts.newId);
  }

  /** Events are queued: a drain would yield something (checked first, so an empty drain costs no yield). */
  get pending(): boolean {
    return this.queue.length > 0;
  }

  drain(): StreamEvent[] {
    const out = this.queue;
    this.queue = [];
    return out;
  }

  private emit(type: string, payload: Record<string, unknown>): void {
    if (!this.opts.live) return;
    this.queue.push({ type, sequence_number: this.seq++, ...payload });
  }

  /** Events carrying a response snapshot (the snapshot is only built when events are live). */
  private emitResponse(type: string): void {
    if (this.opts.live) this.emit(type, { response: this.snapshot() });
  }

  /** A deep-enough snapshot so later mutation of the live object never changes a sent event. */
  private snapshot(): ResponseResource {
    return structuredClone({ ...this.response, output: this.response.output.map(this.opts.clientView) });
  }

  /**
   * The opening lifecycle events. A background response is created `queued` (as OpenAI streams
   * it: `response.created` and `response.queued` with that status) and then starts.
   */
  start(): void {
    this.emitResponse('response.created');
    if (this.response.status === 'queued') {
      this.emitResponse('response.queued');
      this.response.status = 'in_progress';
    }
    this.emitResponse('response.in_progress');
  }

  // ---- items -------------------------------------------------------------------------------

  /** Announce a new output item; returns its output_index. */
  addItem(item: Item): number {
    const outputIndex = this.response.output.length;
    this.response.output.push(item);
    if (this.opts.live) this.emit('response.output_item.added', { output_index: outputIndex, item: structuredClone(this.opts.clientView(item)) });
    return outputIndex;
  }

  /** Finish an item announced with addItem (the item object may have been mutated meanwhile). */
  doneItem(item: Item): void {
    const outputIndex = this.response.output.indexOf(item);
    if (this.opts.live) this.emit('response.output_item.done', { output_index: outputIndex, item: structuredClone(this.opts.clientView(item)) });
  }

  /** Emit a tool-specific event about an item already announced (e.g. code interpreter progress). */
  itemEvent(type: string, item: Item, payload: Record<string, unknown> = {}): void {
    this.emit(type, { output_index: this.response.output.indexOf(item), item_id: item.id, ...payload });
  }

  // ---- model turn --------------------------------------------------------------------------

  beginTurn(): void {
    this.turnItems = [];
    this.calls = [];
    this.held = [];
    this.finishReason = 'stop';
  }

  onModelEvent(ev: ModelEvent): void {
    if ((ev.type === 'text.delta' || ev.type === 'refusal.delta' || ev.type === 'reasoning.delta') && (this.held.length || this.callStreaming())) {
      this.held.push(ev);
      return;
    }
    this.contentEvent(ev);
  }

  /** A call has been announced and its arguments are not complete yet. */
  private callStreaming(): boolean {
    return this.calls.some((c) => !c.closed && c.outputIndex !== null);
  }

  /** Replay held content once no call is streaming any more. */
  private releaseHeld(): void {
    if (!this.held.length || this.callStreaming()) return;
    const held = this.held;
    this.held = [];
    for (const ev of held) this.contentEvent(ev);
  }

  private contentEvent(ev: ModelEvent): void {
    switch (ev.type) {
      case 'text.delta':
        if (ev.delta || ev.logprobs?.length) this.messageDelta('output_text', ev.delta, ev.logprobs);
        return;
      case 'refusal.delta':
        if (ev.delta) this.messageDelta('refusal', ev.delta, undefined);
        return;
      case 'reasoning.delta':
        if (ev.delta) this.reasoningDelta(ev.delta);
        return;
      case 'tool_call.start':
        this.callStart(ev.index, ev.call_id, ev.name);
        return;
      case 'tool_call.arguments.delta':
        this.callDelta(ev.index, ev.delta);
        return;
      case 'tool_call.done':
        this.callUpstreamDone(ev.index);
        return;
      case 'usage':
        this.usage.input_tokens += ev.usage.input_tokens;
        this.usage.output_tokens += ev.usage.output_tokens;
        this.usage.cached_tokens += ev.usage.cached_tokens;
        this.usage.reasoning_tokens += ev.usage.reasoning_tokens;
        return;
      case 'finish':
        this.finishReason = ev.reason;
        return;
    }
  }

  /** Close everything the turn left open and report what it produced. */
  endTurn(): TurnOutcome {
    // Calls first: content held back while they streamed comes after them.
    for (const call of this.calls) this.closeCall(call);
    this.releaseHeld();
    this.closeReasoning();
    this.closeMessage(this.finishReason === 'length' || this.finishReason === 'content_filter' ? 'incomplete' : 'completed');
    const calls = this.calls.map((c) => ({ call_id: c.callId, name: c.name, arguments: c.args, item: c.item, open: !c.itemDone }));
    return { finishReason: this.finishReason, calls, items: this.turnItems };
  }

  private reasoningDelta(delta: string): void {
    this.closeMessage('completed');
    if (!this.reasoning) {
      const item: ReasoningItem = { type: 'reasoning', id: this.opts.newId('rs'), summary: [], content: [] };
      const outputIndex = this.addItem(item);
      this.turnItems.push(item);
      this.reasoning = { item, outputIndex, text: '' };
      if (this.opts.reasoningEvents === 'openai') {
        this.emit('response.content_part.added', { item_id: item.id, output_index: outputIndex, content_index: 0, part: { type: 'reasoning_text', text: '' } });
      }
      if (this.opts.reasoningSummary) {
        this.emit('response.reasoning_summary_part.added', { item_id: item.id, output_index: outputIndex, summary_index: 0, part: { type: 'summary_text', text: '' } });
      }
    }
    const r = this.reasoning;
    r.text += delta;
    if (!this.opts.live) return; // one delta per token: no payloads nobody will see
    const type = this.opts.reasoningEvents === 'openai' ? 'response.reasoning_text.delta' : 'response.reasoning.delta';
    this.emit(type, { item_id: r.item.id, output_index: r.outputIndex, content_index: 0, delta });
    if (this.opts.reasoningSummary) this.emit('response.reasoning_summary_text.delta', { item_id: r.item.id, output_index: r.outputIndex, summary_index: 0, delta });
  }

  private closeReasoning(): void {
    const r = this.reasoning;
    if (!r) return;
    this.reasoning = null;
    const part = { type: 'reasoning_text' as const, text: r.text };
    r.item.content = [part];
    const openai = this.opts.reasoningEvents === 'openai';
    this.emit(openai ? 'response.reasoning_text.done' : 'response.reasoning.done', { item_id: r.item.id, output_index: r.outputIndex, content_index: 0, text: r.text });
    if (openai) this.emit('response.content_part.done', { item_id: r.item.id, output_index: r.outputIndex, content_index: 0, part });
    if (this.opts.sealReasoning) r.item.encrypted_content = this.opts.sealReasoning(r.text);
    if (this.opts.reasoningSummary) {
      const summary = { type: 'summary_text' as const, text: r.text };
      r.item.summary = [summary];
      this.emit('response.reasoning_summary_text.done', { item_id: r.item.id, output_index: r.outputIndex, summary_index: 0, text: r.text });
      this.emit('response.reasoning_summary_part.done', { item_id: r.item.id, output_index: r.outputIndex, summary_index: 0, part: summary });
    }
    this.doneItem(r.item);
  }

  private messageDelta(kind: 'output_text' | 'refusal', delta: string, logprobs: LogProb[] | undefined): void {
    this.closeReasoning();
    let m = this.message;
    if (m && m.kind !== kind) {
      this.closePart(m);
      m.kind = kind;
      this.openPart(m);
    }
    if (!m) {
      const item: MessageItem = { type: 'message', id: this.opts.newId('msg'), role: 'assistant', status: 'in_progress', content: [] };
      const outputIndex = this.addItem(item);
      this.turnItems.push(item);
      m = { item, outputIndex, kind, text: '', logprobs: [] };
      this.message = m;
      this.openPart(m);
    }
    m.text += delta;
    const lp = this.opts.includeLogprobs && logprobs ? logprobs : [];
    if (lp.length) m.logprobs.push(...lp);
    if (!this.opts.live) return;
    // The hottest events of all (one per token): built as one literal each, no spreads.
    const seq = this.seq++;
    const contentIndex = m.item.content.length;
    if (kind === 'refusal') {
      this.queue.push({ type: 'response.refusal.delta', sequence_number: seq, item_id: m.item.id, output_index: m.outputIndex, content_index: contentIndex, delta });
    } else {
      this.queue.push({ type: 'response.output_text.delta', sequence_number: seq, item_id: m.item.id, output_index: m.outputIndex, content_index: contentIndex, delta, logprobs: lp });
    }
  }

  private partFor(m: OpenMessage): MessageItem['content'][number] {
    if (m.kind === 'refusal') return { type: 'refusal', refusal: m.text };
    const part: MessageItem['content'][number] = { type: 'output_text', text: m.text, annotations: [] };
    if (this.opts.includeLogprobs) part.logprobs = m.logprobs;
    return part;
  }

  private openPart(m: OpenMessage): void {
    m.text = '';
    m.logprobs = [];
    if (!this.opts.live) return; // nothing to announce: skip building the event's payload
    this.emit('response.content_part.added', { item_id: m.item.id, output_index: m.outputIndex, content_index: m.item.content.length, part: this.partFor(m) });
  }

  /** Finish the current content part and append it to the message. */
  private closePart(m: OpenMessage): void {
    const part = this.partFor(m);
    if (this.opts.live) {
      // Payloads built only when someone watches: a JSON request needs the part, not the events.
      const base = { item_id: m.item.id, output_index: m.outputIndex, content_index: m.item.content.length };
      if (m.kind === 'refusal') this.emit('response.refusal.done', { ...base, refusal: m.text });
      else this.emit('response.output_text.done', { ...base, text: m.text, logprobs: this.opts.includeLogprobs ? m.logprobs : [] });
      this.emit('response.content_part.done', { ...base, part });
    }
    m.item.content.push(part);
  }

  private closeMessage(status: 'completed' | 'incomplete'): void {
    const m = this.message;
    if (!m) return;
    this.message = null;
    this.closePart(m);
    m.item.status = status;
    this.doneItem(m.item);
  }

  // ---- tool calls: announced strictly in call order; interleaved deltas are held back ----

  /** Client functions: `function_call` items (gateway tools bring their own presenters). */
  private readonly functionPresenter: CallPresenter;


  private readonly sink: ItemEventSink = { event: (type, item, payload) => this.itemEvent(type, item, payload) };

  private callStart(index: number, callId: string, name: string): void {
    if (this.calls.some((c) => c.index === index)) return;
    if (this.opts.singleCallPerTurn && this.calls.length > 0) return;
    this.closeReasoning();
    this.closeMessage('completed');
    const presenter = this.opts.presenterFor(name) ?? this.functionPresenter;
    const item = presenter.createItem(callId, name);
    this.turnItems.push(item);
    this.calls.push({ index, callId, name, args: '', item, presenter, outputIndex: null, buffered: '', upstreamDone: false, closed: false, itemDone: false });
    this.advanceCalls();
  }

  private callDelta(index: number, delta: string): void {
    const call = this.calls.find((c) => c.index === index);
    if (!call || call.closed || !delta) return;
    call.args += delta;
    if (call.outputIndex === null) {
      call.buffered += delta;
      return;
    }
    call.presenter.argumentsDelta(call.item, delta, this.sink);
  }

  private callUpstreamDone(index: number): void {
    const call = this.calls.find((c) => c.index === index);
    if (!call) return;
    call.upstreamDone = true;
    this.advanceCalls();
  }

  /** Announce the first unclosed call; close finished ones in order so the next can stream. */
  private advanceCalls(): void {
    for (const call of this.calls) {
      if (call.closed) continue;
      if (call.outputIndex === null) this.announceCall(call);
      if (!call.upstreamDone) return;
      this.closeCall(call);
    }
    this.releaseHeld();
  }

  private announceCall(call: PendingCall): void {
    call.outputIndex = this.addItem(call.item);
    call.presenter.added?.(call.item, this.sink);
    if (call.buffered) {
      const delta = call.buffered;
      call.buffered = '';
      call.presenter.argumentsDelta(call.item, delta, this.sink);
    }
  }

  private closeCall(call: PendingCall): void {
    if (call.closed) return;
    if (call.outputIndex === null) this.announceCall(call);
    call.closed = true;
    call.itemDone = call.presenter.argumentsDone(call.item, call.args, this.sink);
    if (call.itemDone) this.doneItem(call.item);
  }

  // ---- terminal ----------------------------------------------------------------------------

  private finalUsage(): ResponseUsage {
    const u = this.usage;
    return {
      input_tokens: u.input_tokens,
      input_tokens_details: { cached_tokens: u.cached_tokens },
      output_tokens: u.output_tokens,
      output_tokens_details: { reasoning_tokens: u.reasoning_tokens },
      total_tokens: u.input_tokens + u.output_tokens,
    };
  }

  /** Settle the response object (status, usage, timestamps) without emitting anything yet. */
  settle(status: 'completed' | 'incomplete', incompleteReason: string | null = null): ResponseResource {
    this.response.status = status;
    this.response.incomplete_details = incompleteReason ? { reason: incompleteReason } : null;
    this.response.usage = this.finalUsage();
    this.response.completed_at = status === 'completed' ? this.opts.clock() : null;
    return this.response;
  }

  /** Emit the terminal event for a settled response (`response.completed` / `response.incomplete`). */
  finish(): void {
    this.emitResponse(this.response.status === 'completed' ? 'response.completed' : 'response.incomplete');
  }

  /** Fail the response: an `error` event, then `response.failed` (as OpenAI streams it). */
  fail(error: { type: string; code: string; message: string; param: string | null }): void {
    this.interrupt('failed');
    this.response.error = { code: error.code, message: error.message };
    this.emit('error', { error: { type: error.type, code: error.code, message: error.message, param: error.param } });
    this.emitResponse('response.failed');
  }

  /**
   * The run was stopped (a cancel request, or a foreground client that left): the response
   * keeps its partial output, open items end `incomplete`, and the status is `cancelled`.
   * OpenAI's stream grammar has no cancelled event; `response.incomplete` (the lifecycle event
   * for "ended before finishing") carries the cancelled response.
   */
  cancel(): void {
    this.interrupt('cancelled');
    this.emitResponse('response.incomplete');
  }

  /** Close what is open and clear the terminal fields that only a finished response has. */
  private interrupt(status: 'failed' | 'cancelled'): void {
    this.held = [];
    this.closeReasoning();
    this.closeMessage('incomplete');
    for (const call of this.calls) if (call.outputIndex !== null && !call.closed) this.closeCall(call);
    this.calls = [];
    this.response.status = status;
    this.response.completed_at = null;
    this.response.incomplete_details = null;
    this.response.error = null;
    this.response.usage = this.finalUsage();
  }
}
