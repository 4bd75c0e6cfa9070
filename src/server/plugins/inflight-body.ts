/**
 * Caps the request body bytes this process is receiving at once (`VR_MAX_INFLIGHT_BODY_BYTES`):
 * many slow or unfinished large bodies would otherwise hold memory for as long as their clients
 * like. A request whose declared length does not fit, or whose bytes push the total over, is a
 * 503 `server_busy`; its bytes are released as soon as its body is read (or the request ends).
 * Bodies a route streams through without buffering (`config.streamBody`) are not counted.
 *
 * A body with a `content-length` (what every SDK sends) is counted in full when its request
 * arrives: HTTP framing guarantees it brings no more than that, so no per-chunk counting stream
 * is needed on the hot path. Only a chunked body (no declared length) is counted as it arrives.
 */
import { Transform } from 'node:stream';
import { ApiError } from '../../api/errors.js';
import { globalPlugin } from './global-plugin.js';

export interface InflightBodyOptions {
  maxInflightBodyBytes: number;
}

function serverBusy(): ApiError {
  return new ApiError(503, 'The gateway is receiving too many request bodies at once; retry shortly.', 'server_error', null, 'server_busy');
}

export const inflightBodyPlugin = globalPlugin<InflightBodyOptions>('vllm-responses-inflight-body', (app, { maxInflightBodyBytes: max }) => {
  let inflight = 0;
  app.addHook('preParsing', (request, _reply, payload, done) => {
    // Routes that stream the body through untouched (integrated mode's proxy) hold no copy of it.
    if ((request.routeOptions.config as { streamBody?: boolean } | undefined)?.streamBody) {
      done(null, payload);
      return;
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    if (Number.isFinite(declared) && declared > 0 && inflight + declared > max) {
      done(serverBusy());
      return;
    }
    let held = 0;
    const release = () => {
      inflight -= held;
      held = 0;
    };
    request.raw.once('close', release);
    if (Number.isSafeInteger(declared) && declared > 0 && request.headers['transfer-encoding'] === undefined) {
      held = declared;
      inflight += declared;
      // Read to its end (fastify has it all) or abandoned (close): either way no longer held.
      payload.once('end', release);
      done(null, payload);
      return;
    }
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        held += chunk.length;
        inflight += chunk.length;
        if (inflight > max) cb(serverBusy());
        else cb(null, chunk);
      },
      flush(cb) {
        release();
        cb();
      },
    });
    counter.once('close', release);
    payload.once('error', (err) => counter.destroy(err));
    done(null, payload.pipe(counter));
  });
});
