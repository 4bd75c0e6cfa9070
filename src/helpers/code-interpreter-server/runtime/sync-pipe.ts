// The synchronous HTTP bridge between a runtime child and the helper. Python's urllib is
// synchronous, and a child process cannot share memory with its parent, so the child writes a
// request frame to a dedicated pipe (fd SYNC_FD) and blocks reading the reply frame from it.
// Frame: 4-byte big-endian length, then the v8-serialized value (keeps byte arrays as they are).
import { readSync, writeSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { deserialize, serialize } from 'node:v8';

/** The child's file descriptor of the sync pipe (stdio index in the parent's spawn). */
export const SYNC_FD = 4;
const MAX_FRAME = 64 * 1024 * 1024;

function frame(value: unknown): Buffer {
  const body = serialize(value);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.byteLength);
  return Buffer.concat([header, body]);
}

function readExactly(fd: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let done = 0;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (done < length) {
    try {
      const n = readSync(fd, out, done, length - done, null);
      if (n === 0) throw new Error('the helper closed the bridge');
      done += n;
    } catch (err) {
      // The descriptor may be non-blocking: wait a moment instead of spinning.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
  return out;
}

/** Child side: send `request`, block until the helper answers. */
export function syncCall<T>(request: unknown): T {
  const bytes = frame(request);
  let written = 0;
  while (written < bytes.byteLength) written += writeSync(SYNC_FD, bytes, written);
  const length = readExactly(SYNC_FD, 4).readUInt32BE(0);
  if (length > MAX_FRAME) throw new Error('bridge frame too large');
  return deserialize(readExactly(SYNC_FD, length)) as T;
}

/** Parent side: answer every request frame arriving on `stream` with `handle`'s value. */
export function serveSyncPipe(stream: Duplex, handle: (request: unknown) => Promise<unknown>): void {
  let pending: Buffer = Buffer.alloc(0);
  let queue = Promise.resolve();
  stream.on('error', () => undefined);
  stream.on('data', (chunk: Buffer) => {
    pending = pending.byteLength === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.byteLength >= 4) {
      const length = pending.readUInt32BE(0);
      if (length > MAX_FRAME) {
        stream.destroy();
        return;
      }
      if (pending.byteLength < 4 + length) return;
      const request = deserialize(pending.subarray(4, 4 + length)) as unknown;
      pending = pending.subarray(4 + length);
      // One call at a time: the child is blocked on it anyway.
      queue = queue.then(async () => {
        const reply = await handle(request);
        if (!stream.destroyed) stream.write(frame(reply));
      });
    }
  });
}
