/**
 * Context-management routes beside `/v1/responses`: `POST /v1/responses/input_tokens` (the
 * input a create body would send, counted by the upstream) and `POST /v1/responses/compact`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { invalidRequest } from '../../api/errors.js';
import { createResponseSchema, inputItemSchema } from '../../api/request-schema.js';
import { validateBody } from '../../api/validate-request.js';
import { compact } from '../../engine/compaction/compact.js';
import { prepareRequest } from '../../engine/prepare.js';
import { responsePrepareDeps } from './responses.js';
import { firstTurn, type EngineDeps } from '../../engine/run-response.js';
import { fitToContext } from '../../engine/truncate.js';
import type { UpstreamClient } from '../../upstream/http-client.js';

/**
 * `POST /v1/responses/compact` (the Open Responses CompactResponseMethodPublicBody, plus the
 * fields the `openai` SDK's ResponseCompactParams adds), each field validated as on create.
 */
const compactBodySchema = createResponseSchema
  .pick({ model: true, previous_response_id: true, instructions: true, prompt_cache_key: true, prompt_cache_retention: true, prompt_cache_options: true, image: true, service_tier: true })
  .extend({ input: z.union([z.string(), z.array(inputItemSchema)]).nullish() });

/** Fields of OpenAI's input_tokens body that change nothing for a self-hosted model. */
const IGNORED_FOR_COUNTING = ['personality'];

/** `engineOf`: the engine as a request sees it (bound to its observation). */
export function registerContextRoutes(app: FastifyInstance, engineOf: (request: FastifyRequest) => EngineDeps, upstream: UpstreamClient): void {

  /** `model` is optional here: the upstream's first listed model is the default. */
  async function defaultModel(): Promise<string> {
    const list = (await upstream.getModels()) as { data?: { id?: unknown }[] };
    const id = list?.data?.find((m) => typeof m.id === 'string')?.id;
    if (typeof id !== 'string') throw invalidRequest("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
    return id;
  }

  app.post('/v1/responses/input_tokens', async (request) => {
    const deps = engineOf(request);
    const raw = request.body ?? {};
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalidRequest('The request body must be a JSON object.', null, 'invalid_body');
    const body: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
    for (const key of IGNORED_FOR_COUNTING) delete body[key];
    body.model ??= await defaultModel();
    body.input ??= [];
    const counter = deps.tokenCounter;
    if (!counter) throw invalidRequest('Token counting is not available on this gateway.', null, 'unsupported');
    const prepared = await prepareRequest(responsePrepareDeps(deps), body, request.principal);
    const signal = AbortSignal.timeout(60_000);
    const turn = firstTurn(prepared, deps, signal);
    const counted = prepared.req.truncation === 'auto' ? await fitToContext(turn, counter, signal) : null;
    const tokens = counted?.tokens ?? (await counter.count(turn, signal)).tokens;
    return { object: 'response.input_tokens', input_tokens: tokens };
  });

  app.post('/v1/responses/compact', async (request, reply) => {
    const deps = engineOf(request);
    const body = validateBody(compactBodySchema, request.body);
    if (body.input == null && !body.previous_response_id) {
      throw invalidRequest("Provide 'input' and/or 'previous_response_id' to compact.", 'input', 'missing_required_parameter');
    }
    // Validation, hydration (with ownership), item references and compaction items exactly as on create.
    const prepared = await prepareRequest(responsePrepareDeps(deps), { ...body, input: body.input ?? [] }, request.principal);
    const controller = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) controller.abort(new Error('client disconnected'));
    });
    const turn = firstTurn(prepared, deps, controller.signal);
    const done = await compact(deps, {
      model: body.model,
      items: turn.items,
      keepTurns: deps.compactionKeepTurns ?? 2,
      instructions: turn.instructions,
      params: turn.params,
      signal: controller.signal,
    });
    const { usage } = done;
    return {
      id: deps.newId('resp'),
      object: 'response.compaction',
      created_at: deps.clock(),
      // OpenAI's order: the items kept verbatim, then the compaction item (which holds them too,
      // so a client may keep only what follows the latest compaction item).
      output: [...done.recent, done.item],
      usage: {
        input_tokens: usage.input_tokens,
        input_tokens_details: { cached_tokens: usage.cached_tokens },
        output_tokens: usage.output_tokens,
        output_tokens_details: { reasoning_tokens: usage.reasoning_tokens },
        total_tokens: usage.input_tokens + usage.output_tokens,
      },
    };
  });
}
