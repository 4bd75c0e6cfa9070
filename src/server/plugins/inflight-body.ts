/**
 * Caps the request body bytes this process is receiving at once (`VR_MAX_INFLIGHT_BODY_BYTES`):
 * many slow or unfinished large bodies would otherwise hold memory for as long as their clients
 * like. A request whose declared length does not fit, or whose bytes push the total over, is a
 * 503 `server_busy`; its bytes are released as soon as its body is read (or the request ends).
 * Bodies a route streams through without buffering (`config.streamBody`) are not counted.
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
  app.addHook('preParsing', async (request, _reply, payload) => {
    // Routes that stream the body through untouched (integrated mode's proxy) hold no copy of it.
    if ((request.routeOptions.config as { streamBody?: boolean } | undefined)?.streamBody) return payload;
    const declared = Number(request.headers['content-length'] ?? 0);
    if (Number.isFinite(declared) && declared > 0 && inflight + declared > max) throw serverBusy();
    let held = 0;
    const release = () => {
      inflight -= held;
      held = 0;
    };
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
    request.raw.once('close', release);
    payload.once('error', (err) => counter.destroy(err));
    return payload.pipe(counter);
  });
});
