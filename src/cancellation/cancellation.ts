/**
 * A request's cancellation without an AbortSignal until something outside the gateway needs one.
 *
 * Why: every `POST /v1/responses` must be cancellable (the client leaves, a background run is
 * cancelled, the gateway shuts down), yet almost none is ever cancelled. Node's AbortSignal is
 * an EventTarget: creating one (a prototype swap on a fresh EventTarget), then adding and
 * removing the upstream request's abort listener cost a few microseconds of main-thread CPU per
 * request, a few per cent of a JSON request's whole cost at high concurrency. The gateway's own
 * code on the request path (the route, the engine's tool loop, the upstream exchange, followers
 * of a background run) only reads `aborted`/`reason` and (un)registers a listener, which a
 * plain object does for a few nanoseconds. Code outside the gateway (fetch, the MCP SDK, token
 * counting's `AbortSignal.any`) gets a real AbortSignal from `signal`, made on first use and
 * aborted together with the rest.
 */

/**
 * What the gateway's own code needs from a cancellation. An AbortSignal has exactly this shape,
 * and so does `Cancellation` (without being an EventTarget): code typed with it accepts either.
 * A listener runs once, when the cancellation aborts; one added after that never runs (as on an
 * AbortSignal: check `aborted` first).
 */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once: true }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export class Cancellation implements CancelSignal {
  #aborted = false;
  #reason: unknown = undefined;
  /** Listeners in registration order; null until the first one (most requests register one or two). */
  #listeners: (() => void)[] | null = null;
  /** The AbortSignal handed out by `signal`, if anyone asked for one. */
  #controller: AbortController | null = null;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /**
   * A real AbortSignal that aborts with this cancellation (with the same reason), for code that
   * needs one (fetch, SDKs, `AbortSignal.any`). Made on first use; the same one every time.
   */
  get signal(): AbortSignal {
    if (this.#controller === null) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /**
   * Abort: `aborted` turns true, then the AbortSignal (if one was made) aborts and every listener
   * runs, once. Later calls do nothing. The default reason is AbortController's.
   */
  abort(reason: unknown = new DOMException('This operation was aborted', 'AbortError')): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const listeners = this.#listeners;
    if (listeners === null) return;
    // Taken one at a time from the live list: a listener that an earlier one removed does not
    // run, as on an EventTarget.
    for (let listener = listeners.shift(); listener !== undefined; listener = listeners.shift()) {
      try {
        listener();
      } catch (err) {
        // As an EventTarget does: a throwing listener neither stops the others nor the caller of
        // abort(); its error surfaces as an uncaught exception.
        process.nextTick(() => {
          throw err;
        });
      }
    }
    this.#listeners = null;
  }

  /** Run `listener` when this aborts (once; never if already aborted; a listener added twice runs once). */
  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.#aborted) return;
    const listeners = (this.#listeners ??= []);
    if (!listeners.includes(listener)) listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const listeners = this.#listeners;
    if (listeners === null) return;
    const at = listeners.indexOf(listener);
    if (at !== -1) listeners.splice(at, 1);
  }
}
