/**
 * `x-vllm-responses-worker: <pid>` on every response: which gateway process answered, for
 * operators chasing one worker's misbehaviour (and for the multi-worker tests).
 */
import { globalPlugin } from './global-plugin.js';

export const WORKER_HEADER = 'x-vllm-responses-worker';

export const workerHeaderPlugin = globalPlugin<Record<string, never>>('vllm-responses-worker-header', (app) => {
  const pid = String(process.pid);
  app.addHook('onRequest', (_request, reply, done) => {
    void reply.header(WORKER_HEADER, pid);
    done();
  });
});
