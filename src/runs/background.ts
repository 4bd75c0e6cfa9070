/**
 * A background response: accepted at once (`queued`), then run detached from the request that
 * created it, with its events recorded for followers. The run belongs to this process until it
 * ends or its lease is lost; the HTTP request only reads it like any other follower.
 */
import { ApiError } from '../api/errors.js';
import { Cancellation } from '../cancellation/cancellation.js';
import { filterOutputForClient } from '../engine/include-filter.js';
import type { PreparedRequest } from '../engine/prepare.js';
import { ResponseRun, type EngineDeps } from '../engine/run-response.js';
import type { ResponseObject, RunStatus, StoreLogger } from '../store/types.js';
import { RunRecorder } from './recorder.js';
import type { RunRegistry } from './registry.js';

function tooManyRuns(max: number): ApiError {
  return new ApiError(429, `This gateway is already running ${max} background responses; retry later.`, 'rate_limit_error', null, 'too_many_background_runs');
}

/** Accept a background request: store it `queued`, start it, return the queued response. */
export async function startBackgroundRun(
  registry: RunRegistry,
  deps: EngineDeps,
  prepared: PreparedRequest,
  owner: string | null,
  logger: StoreLogger,
): Promise<ResponseObject> {
  if (registry.liveCount >= registry.settings.maxRuns) throw tooManyRuns(registry.settings.maxRuns);
  const cancellation = new Cancellation();
  const run = new ResponseRun(deps, prepared, cancellation);
  const include = prepared.req.include ?? [];
  const view = (): ResponseObject => structuredClone(filterOutputForClient(run.result.response, include)) as unknown as ResponseObject;
  const queued = view();
  const id = queued.id;
  await registry.runs.create({
    id,
    owner,
    worker: registry.worker,
    leaseExpiresAt: Date.now() + registry.settings.leaseMs,
    response: queued,
    createdAt: Number(queued.created_at),
    inputItems: prepared.input,
  });
  const recorder = new RunRecorder({
    runs: registry.runs,
    id,
    worker: registry.worker,
    flushMs: registry.settings.flushMs,
    batchEvents: registry.settings.batchEvents,
    onWritten: () => registry.wake(id),
    onLost: () => cancellation.abort(),
  });
  const done = drive(run, recorder, view, logger, id);
  registry.adopt(id, cancellation, done);
  return queued;
}

const TERMINAL_EVENTS = new Set(['response.completed', 'response.failed', 'response.incomplete']);

async function drive(run: ResponseRun, recorder: RunRecorder, view: () => ResponseObject, logger: StoreLogger, id: string): Promise<void> {
  let started = false;
  try {
    for await (const batch of run.events()) {
      const terminal = TERMINAL_EVENTS.has(batch[batch.length - 1]?.type ?? '');
      if (terminal) {
        // The batch that ends the run is written with the terminal status in one transaction.
        const final = view();
        await recorder.finish({ status: final.status as RunStatus, response: final }, batch);
        if (recorder.lost) logger.warn({ response_id: id }, 'background run lost its lease before it was recorded; another worker settled it');
        else if (final.status === 'failed') logger.warn({ response_id: id, error: final.error }, 'background run failed');
        continue;
      }
      // The first batch carries `response.in_progress`: the row says so from then on.
      recorder.push(batch, started ? undefined : { status: 'in_progress', response: view() });
      started = true;
    }
  } catch (err) {
    logger.warn({ err, response_id: id }, 'background run could not be recorded');
  }
}
