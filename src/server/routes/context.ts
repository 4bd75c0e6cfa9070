/**
 * Context-management routes beside `/v1/responses`: `POST /v1/responses/input_tokens` (the
 * input a create body would send, counted by the upstream) and `POST /v1/responses/compact`.
 */
import type { FastifyInstance } from 'fastify';
import { invalidRequest } from '../../api/errors.js';
import { prepareRequest } from '../../engine/prepare.js';
import { firstTurn, type EngineDeps } from '../../engine/run-response.js';
import { fitToContext } from '../../engine/truncate.js';
import type { UpstreamClient } from '../../upstream/http-client.js';

/** Fields of OpenAI's input_tokens body that change nothing for a self-hosted model. */
const IGNORED_FOR_COUNTING = ['personality'];

export function registerContextRoutes(app: FastifyInstance, deps: EngineDeps, upstream: UpstreamClient): void {
  const prepareDeps = { store: deps.store, newId: deps.newId, enabledBuiltins: deps.tools.enabledKinds, tools: deps.tools };

  /** `model` is optional here: the upstream's first listed model is the default. */
  async function defaultModel(): Promise<string> {
    const list = (await upstream.getModels()) as { data?: { id?: unknown }[] };
    const id = list?.data?.find((m) => typeof m.id === 'string')?.id;
    if (typeof id !== 'string') throw invalidRequest("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
    return id;
  }

  app.post('/v1/responses/input_tokens', async (request) => {
    const raw = request.body ?? {};
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalidRequest('The request body must be a JSON object.', null, 'invalid_body');
    const body: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
    for (const key of IGNORED_FOR_COUNTING) delete body[key];
    body.model ??= await defaultModel();
    body.input ??= [];
    const counter = deps.tokenCounter;
    if (!counter) throw invalidRequest('Token counting is not available on this gateway.', null, 'unsupported');
    const prepared = await prepareRequest(prepareDeps, body, request.principal);
    const signal = AbortSignal.timeout(60_000);
    const turn = firstTurn(prepared, deps, signal);
    const counted = prepared.req.truncation === 'auto' ? await fitToContext(turn, counter, signal) : null;
    const tokens = counted?.tokens ?? (await counter.count(turn, signal)).tokens;
    return { object: 'response.input_tokens', input_tokens: tokens };
  });
}
