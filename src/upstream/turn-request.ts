import type { TurnRequest } from './types.js';

/** What every turn must name; everything else has a neutral default. */
export type TurnBasics = Pick<TurnRequest, 'model' | 'items' | 'signal'> & Partial<TurnRequest>;

/**
 * A turn with every optional setting unset (no tools, no sampling parameters, no output cap),
 * for turns the gateway makes on its own behalf (compaction's summary call) and for adapter
 * tests. Client turns are built field by field from the request (engine/run-response.ts).
 */
export function defaultTurn(basics: TurnBasics): TurnRequest {
  return {
    instructions: null,
    tools: [],
    toolChoice: 'auto',
    parallelToolCalls: null,
    maxOutputTokens: null,
    params: {},
    logprobs: false,
    topLogprobs: null,
    reasoningEffort: null,
    responseFormat: null,
    ...basics,
  };
}
