// A one-shot reply slot in a SharedArrayBuffer, so synchronous Python HTTP (urllib) can block
// the runtime thread with Atomics.wait while the main thread performs the checked request.
// Layout: Int32 [state, metaLength, bodyLength], then meta JSON bytes, then body bytes.
import type { BridgeHttpResponse } from '../egress-fetch.js';

const HEADER_BYTES = 12;
const META_RESERVE = 256 * 1024;

export function createSyncReplyBuffer(maxBodyBytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + META_RESERVE + maxBodyBytes);
}

/** Main thread: write the response and wake the waiting runtime thread. */
export function writeSyncReply(buffer: SharedArrayBuffer, response: BridgeHttpResponse): void {
  const header = new Int32Array(buffer, 0, 3);
  const { body, ...meta } = response.ok ? response : { ...response, body: new Uint8Array(0) };
  let metaBytes = new TextEncoder().encode(JSON.stringify(meta));
  let bodyBytes = body;
  if (metaBytes.byteLength > META_RESERVE || HEADER_BYTES + META_RESERVE + bodyBytes.byteLength > buffer.byteLength) {
    metaBytes = new TextEncoder().encode(JSON.stringify({ ok: false, error: 'response too large for the sandbox' }));
    bodyBytes = new Uint8Array(0);
  }
  const bytes = new Uint8Array(buffer);
  bytes.set(metaBytes, HEADER_BYTES);
  bytes.set(bodyBytes, HEADER_BYTES + META_RESERVE);
  header[1] = metaBytes.byteLength;
  header[2] = bodyBytes.byteLength;
  Atomics.store(header, 0, 1);
  Atomics.notify(header, 0);
}

/** Runtime thread: block until the reply arrives (or the timeout passes). */
export function waitSyncReply(buffer: SharedArrayBuffer, timeoutMs: number): BridgeHttpResponse {
  const header = new Int32Array(buffer, 0, 3);
  const outcome = Atomics.wait(header, 0, 0, timeoutMs);
  if (outcome === 'timed-out') return { ok: false, error: 'request timed out' };
  const bytes = new Uint8Array(buffer);
  const metaLength = header[1] ?? 0;
  const bodyLength = header[2] ?? 0;
  const meta = JSON.parse(new TextDecoder().decode(bytes.slice(HEADER_BYTES, HEADER_BYTES + metaLength))) as BridgeHttpResponse;
  if (!meta.ok) return meta;
  return { ...meta, body: bytes.slice(HEADER_BYTES + META_RESERVE, HEADER_BYTES + META_RESERVE + bodyLength) };
}
