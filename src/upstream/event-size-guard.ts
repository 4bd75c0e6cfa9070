import { ApiError } from '../api/errors.js';

/**
 * An SSE parser must buffer an event until its blank line arrives, so one endless line would be
 * buffered whole. This counts the bytes fed since the parser last completed an event and fails
 * the turn once they exceed the limit (`VR_UPSTREAM_MAX_EVENT_BYTES`).
 */
export interface EventSizeGuard {
  /** `bytes` were fed to the parser; `completed` = it emitted at least one event from them. */
  fed(bytes: number, completed: boolean): void;
}

export function createEventSizeGuard(maxEventBytes: number): EventSizeGuard {
  let pending = 0;
  return {
    fed(bytes, completed) {
      // After a completed event only the (smaller) tail of this read can still be pending.
      pending = completed ? 0 : pending + bytes;
      if (pending > maxEventBytes) {
        throw new ApiError(502, `The upstream model server sent a stream event larger than ${maxEventBytes} bytes; the answer was abandoned.`, 'upstream_error', null, 'upstream_event_too_large');
      }
    },
  };
}
