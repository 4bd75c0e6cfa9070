import type { Readable } from 'node:stream';
import type { CancelSignal } from '../../cancellation/cancellation.js';
import { UpstreamExchange } from '../exchange.js';
import { mapTransportError } from '../map-transport-error.js';

/**
 * A JSON answer's whole body as text (UTF-8). An upstream exchange's body is taken from it
 * directly; any other stream is read with `read()` and the stream's events rather
 * than its async iterator (an async generator with its own end-of-stream watcher: several
 * promises and listeners per answer for what is usually one buffered chunk). Failures map as
 * readBodyText's do: the stream's error, or a close before its end ("Premature close", as the
 * iterator reports it), through mapTransportError; the caller's abort stays an abort. No size
 * limit of its own: the exchange caps an upstream body (VR_UPSTREAM_MAX_OUTPUT_BYTES).
 */
export function readAnswerText(body: Readable, signal?: CancelSignal): Promise<string> {
  return wholeAnswerText(body) ?? readStreamText(body, signal);
}

/**
 * An upstream body nobody has read yet hands over its chunks directly (exchange.ts); null for
 * any other body. Such an exchange is over once the text (or its failure) is there: there is
 * nothing left to release.
 */
export function wholeAnswerText(body: Readable): Promise<string> | null {
  return body instanceof UpstreamExchange ? body.wholeText() : null;
}

function readStreamText(body: Readable, signal: CancelSignal | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const settle = (err: unknown) => {
      body.off('readable', pull);
      body.off('end', pull);
      body.off('error', onError);
      body.off('close', onClose);
      if (err !== null) {
        // Keep a listener: an error emitted while the body is torn down must not go unhandled.
        body.on('error', () => {});
        reject(mapTransportError(err, signal));
        return;
      }
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (err: unknown) => settle(err);
    const onClose = () => {
      if (!body.readableEnded) settle(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    function pull(): void {
      for (let data = body.read() as Buffer | string | null; data !== null; data = body.read() as Buffer | string | null) {
        chunks.push(typeof data === 'string' ? Buffer.from(data) : data);
      }
      if (body.readableEnded) settle(null);
    }
    body.on('readable', pull);
    body.on('end', pull);
    body.on('error', onError);
    body.on('close', onClose);
    if (body.errored) settle(body.errored);
    else if (body.destroyed) onClose();
    else pull();
  });
}
