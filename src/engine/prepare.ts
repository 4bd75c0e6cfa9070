import { invalidRequest } from '../api/errors.js';
import { ID_PATTERN, type IdGenerator } from '../api/ids.js';
import type { Item } from '../api/items.js';
import type { Principal } from '../api/principal.js';
import type { Cancellation } from '../cancellation/cancellation.js';
import { clientCallId, selectsClientTool } from '../tools/client/model-functions.js';
import type { SealedBlobs } from '../crypto/sealed-blob.js';
import { openSealedReasoning } from './encrypted-reasoning.js';
import { normalizeInput, referencedIds } from '../api/normalize-input.js';
import { toolSchema, type CreateResponseRequest, type RequestTool, type ToolChoice } from '../api/request-schema.js';
import { validateCreateResponse, type RequestShapeLimits } from '../api/validate-request.js';
import { conversationIdOf, hydrateConversation, withDistinctIds } from './conversation.js';
import { checkCompactions } from './compaction/compaction-item.js';
import type { ConversationHistory, ResponseObject, ResponseStore } from '../store/types.js';
import { selectsGatewayTool, specForChoice, specOf } from '../tools/catalog.js';
import type { GatewayTools, ToolPreparations } from '../tools/types.js';

/** A validated request with its conversation rebuilt: everything the run needs, nothing it must fetch. */
export interface PreparedRequest {
  req: CreateResponseRequest;
  /** Items inherited through `previous_response_id` (root → anchor). */
  history: Item[];
  /** This request's own input, normalised (what gets stored for it). */
  input: Item[];
  tools: RequestTool[];
  toolChoice: ToolChoice;
  parentId: string | null;
  /** `conversation` of the request: its items are `history`; the turn is appended on completion. */
  conversationId: string | null;
  /** What gateway tools did before the run (e.g. MCP tool discovery), by request tool entry. */
  preparations: ToolPreparations;
  /** Who is calling (api/principal.ts); tools scope their resources (e.g. containers) by it. */
  principal: Principal;
}

export interface PrepareDeps {
  store: ResponseStore | null;
  newId: IdGenerator;
  /** Built-in tool types this gateway can run (e.g. `code_interpreter`); others are rejected. */
  enabledBuiltins: ReadonlySet<string>;
  /**
   * A declared built-in tool that is not enabled (e.g. `web_search` without a profile; Codex
   * declares it in every request): `omit` leaves it out of what the model sees (the request
   * still echoes it), `reject` answers 400 `tool_not_enabled`. Forcing it is always a 400.
   */
  unavailableBuiltins?: 'omit' | 'reject';
  /** Gateway tools whose `prepare` hooks run last (their ApiErrors are plain HTTP errors too). */
  tools?: GatewayTools;
  /** Request shape caps; omitted = the defaults. */
  limits?: RequestShapeLimits;
  /**
   * Opens `encrypted_content` of reasoning items the gateway sealed, and compaction items (so a
   * tampered one is a plain 400 before anything runs); omitted: left as they came.
   */
  sealedBlobs?: SealedBlobs;
  /**
   * A history source consulted before the store (WebSocket mode's connection-local cache of the
   * last response, which works even for `store: false`).
   */
  localHistory?: (id: string) => ConversationHistory | null;
}

function previousNotFound(id: string) {
  return invalidRequest(`Previous response with id '${id}' not found.`, 'previous_response_id', 'previous_response_not_found');
}

/** Another principal's response is "not found", exactly like an absent one (no existence oracle). */
async function hydrate(store: ResponseStore | null, id: string, principal: Principal): Promise<{ items: Item[]; response: ResponseObject }> {
  if (!ID_PATTERN.test(id) || !id.startsWith('resp_') || !store) throw previousNotFound(id);
  const history = await store.getHistory(id, principal);
  if (!history) throw previousNotFound(id);
  // A failed response is kept for retrieval, not as a point to continue from.
  if (history.response.status === 'failed') {
    throw invalidRequest(`Previous response with id '${id}' failed and cannot be continued.`, 'previous_response_id', 'invalid_value');
  }
  return history;
}

/** Tools/tool_choice omitted on a continuation are inherited from the previous response. */
function inheritedTools(prev: ResponseObject | null): { tools: RequestTool[]; toolChoice: ToolChoice | null } {
  if (!prev) return { tools: [], toolChoice: null };
  const tools: RequestTool[] = [];
  for (const t of (prev.tools as unknown[] | undefined) ?? []) {
    const parsed = toolSchema.safeParse(t);
    if (parsed.success) tools.push(parsed.data);
  }
  return { tools, toolChoice: (prev.tool_choice as ToolChoice | undefined) ?? null };
}

function notEnabled(kind: string, param: string) {
  return invalidRequest(`The '${kind}' tool is not enabled on this gateway.`, param, 'tool_not_enabled');
}

function checkBuiltinsEnabled(tools: RequestTool[], choice: ToolChoice, enabled: ReadonlySet<string>, unavailable: 'omit' | 'reject'): void {
  tools.forEach((tool, i) => {
    const spec = specOf(tool);
    if (spec && !enabled.has(spec.kind) && (unavailable === 'reject' || !spec.omittableWhenOff)) throw notEnabled(spec.kind, `tools[${i}].type`);
  });
  // Omitted or not, a tool the model is forced to call must be one that runs.
  if (typeof choice !== 'string' && choice.type !== 'allowed_tools' && choice.type !== 'function') {
    const kind = specForChoice(choice)?.kind;
    if (kind && !enabled.has(kind)) throw notEnabled(kind, 'tool_choice');
  }
}

/** Is the tool a reference names present in the request? */
function present(tools: RequestTool[], ref: Exclude<ToolChoice, string | { type: 'allowed_tools' }>): boolean {
  if (ref.type === 'function') return tools.some((t) => t.type === 'function' && t.name === ref.name);
  return tools.some((t) => selectsClientTool(t, ref) || selectsGatewayTool(t, ref));
}

/** A tool_choice that names a tool must name one that is present (also when `tools` is omitted). */
function checkToolChoice(choice: ToolChoice, tools: RequestTool[]): void {
  if (typeof choice === 'string') return;
  const refs = choice.type === 'allowed_tools' ? choice.tools : [choice];
  for (const ref of refs) {
    if (present(tools, ref)) continue;
    const what = ref.type === 'function' ? ref.name : (specForChoice(ref)?.describeRef(ref) ?? ref.type);
    throw invalidRequest(`Tool choice '${what}' not found in 'tools' parameter.`, 'tool_choice', 'invalid_value');
  }
}

/**
 * Function calls and outputs must pair up, as OpenAI requires: every output answers an earlier
 * call, and every call (including those inherited from the previous response) has an output.
 */
/** Calls the client answers (functions and client tools) and the outputs answering them. */
function callRole(item: Item): { role: 'call' | 'output'; callId: string } | null {
  if (item.type === 'function_call') return { role: 'call', callId: item.call_id };
  if (item.type === 'function_call_output') return { role: 'output', callId: item.call_id };
  return clientCallId(item);
}

function checkToolOutputs(history: Item[], input: Item[]): void {
  // Most conversations have no calls at all: nothing to pair, no sets to build.
  const hasCalls = (items: Item[]) => items.some((item) => item.type !== 'message' && callRole(item) !== null);
  if (hasCalls(history) || hasCalls(input)) checkCallPairs(history, input);
  checkApprovalResponses(history, input);
}

function checkCallPairs(history: Item[], input: Item[]): void {
  const calls = new Set<string>();
  const answered = new Set<string>();
  for (const item of history) {
    const r = callRole(item);
    if (r) (r.role === 'call' ? calls : answered).add(r.callId);
  }
  input.forEach((item, i) => {
    const r = callRole(item);
    if (r?.role === 'call') calls.add(r.callId);
    if (r?.role === 'output') {
      if (!calls.has(r.callId)) {
        throw invalidRequest(`No tool call found for ${item.type === 'function_call_output' ? 'function call output' : item.type} with call_id ${r.callId}.`, `input[${i}]`, 'invalid_value');
      }
      answered.add(r.callId);
    }
  });
  for (const id of calls) {
    if (!answered.has(id)) throw invalidRequest(`No tool output found for function call ${id}.`, 'input', 'invalid_value');
  }
}

/**
 * Every `mcp_approval_response` answers an `mcp_approval_request` of this conversation, whether
 * or not the request lists the server again (an unknown id is the client's error, never a
 * silent no-op).
 */
function checkApprovalResponses(history: Item[], input: Item[]): void {
  if (!input.some((item) => item.type === 'mcp_approval_response')) return;
  const requests = new Set<string>();
  for (const item of history) if (item.type === 'mcp_approval_request') requests.add(item.id);
  input.forEach((item, i) => {
    if (item.type === 'mcp_approval_request') requests.add(item.id);
    if (item.type === 'mcp_approval_response' && !requests.has(item.approval_request_id)) {
      throw invalidRequest(`No MCP approval request with id '${item.approval_request_id}' in this conversation.`, `input[${i}].approval_request_id`, 'invalid_value');
    }
  });
}

/**
 * How `item_reference`s resolve: items of the conversation being continued first, then any
 * item of a stored response (one store query for every id the history does not have), as on
 * OpenAI, where a reference needs no `previous_response_id`.
 */
async function referenceLookup(store: ResponseStore | null, history: readonly Item[], ids: string[], principal: Principal): Promise<(id: string) => Item | undefined> {
  const byId = new Map(history.map((it) => [it.id, it]));
  const missing = [...new Set(ids.filter((id) => !byId.has(id)))];
  const stored = store && missing.length ? await store.findItems(missing, principal) : null;
  return (id) => byId.get(id) ?? stored?.get(id);
}

const noReferences = (): Item | undefined => undefined;

/** Only gateway tools prepare (tools/types.ts skips function entries): a request with none has nothing to prepare. */
const EMPTY_PREPARATIONS: ToolPreparations = new Map();

/** validate → hydrate → tool preparation: every error here is a plain HTTP error, even for streaming requests. */
export async function prepareRequest(deps: PrepareDeps, body: unknown, principal: Principal, cancellation?: Cancellation): Promise<PreparedRequest> {
  const req = validateCreateResponse(body, deps.limits);
  const parentId = req.previous_response_id ?? null;
  // Each step below is skipped, not awaited, when the request has nothing for it: an await costs
  // promise hops even when nothing is pending, and a plain request has none of these.
  const conversation = conversationIdOf(req) === null ? null : await hydrateConversation(deps.store, req, principal);
  const prev = parentId ? (deps.localHistory?.(parentId) ?? (await hydrate(deps.store, parentId, principal))) : null;
  const history = conversation?.items ?? prev?.items ?? [];
  const inherited = inheritedTools(prev?.response ?? null);
  const tools = req.tools ?? inherited.tools;
  const toolChoice: ToolChoice = req.tool_choice ?? (req.tools ? 'auto' : (inherited.toolChoice ?? 'auto'));
  checkBuiltinsEnabled(tools, toolChoice, deps.enabledBuiltins, deps.unavailableBuiltins ?? 'reject');
  checkToolChoice(toolChoice, tools);

  const referenced = referencedIds(req.input ?? []);
  const lookup = referenced.length === 0 ? noReferences : await referenceLookup(deps.store, history, referenced, principal);
  let normalized = normalizeInput(req.input ?? [], deps.newId, lookup);
  if (deps.sealedBlobs) normalized = openSealedReasoning(normalized, deps.sealedBlobs);
  const input = conversation ? withDistinctIds(normalized, history, deps.newId) : normalized;
  if (deps.sealedBlobs) checkCompactions(input, deps.sealedBlobs);
  checkToolOutputs(history, input);
  const preparations = deps.tools && tools.some((t) => t.type !== 'function') ? await deps.tools.prepare(tools, { history, input, newId: deps.newId, principal, ...(cancellation ? { cancellation } : {}) }) : EMPTY_PREPARATIONS;
  return { req, history, input, tools, toolChoice, parentId, conversationId: conversation?.id ?? null, preparations, principal };
}
