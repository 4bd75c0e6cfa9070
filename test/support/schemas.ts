import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * Validators compiled straight from the Open Responses OpenAPI document (a copy of the
 * project spec lives in test/fixtures/spec), so tests check our output against the spec
 * itself rather than a hand-copied schema.
 */
const specPath = new URL('../fixtures/spec/openresponses-openapi.json', import.meta.url);
const spec = JSON.parse(readFileSync(specPath, 'utf8')) as { components: { schemas: Record<string, unknown> } };

const ajv = new Ajv({ strict: false, allErrors: true, discriminator: false, validateFormats: false });
const addFormats = (addFormatsModule as unknown as { default?: (a: Ajv) => void }).default ?? (addFormatsModule as unknown as (a: Ajv) => void);
addFormats(ajv);
ajv.addSchema({ $id: 'openresponses', components: spec.components } as Record<string, unknown>);

const cache = new Map<string, ValidateFunction>();

export function schemaValidator(name: string): ValidateFunction {
  let v = cache.get(name);
  if (!v) {
    if (!spec.components.schemas[name]) throw new Error(`No schema named ${name} in the spec`);
    v = ajv.compile({ $ref: `openresponses#/components/schemas/${name}` });
    cache.set(name, v);
  }
  return v;
}

/** Streaming event type → spec schema name, for every event the spec defines. */
const EVENT_SCHEMAS: Record<string, string> = {
  'response.created': 'ResponseCreatedStreamingEvent',
  'response.queued': 'ResponseQueuedStreamingEvent',
  'response.in_progress': 'ResponseInProgressStreamingEvent',
  'response.completed': 'ResponseCompletedStreamingEvent',
  'response.failed': 'ResponseFailedStreamingEvent',
  'response.incomplete': 'ResponseIncompleteStreamingEvent',
  'response.output_item.added': 'ResponseOutputItemAddedStreamingEvent',
  'response.output_item.done': 'ResponseOutputItemDoneStreamingEvent',
  'response.reasoning_summary_part.added': 'ResponseReasoningSummaryPartAddedStreamingEvent',
  'response.reasoning_summary_part.done': 'ResponseReasoningSummaryPartDoneStreamingEvent',
  'response.content_part.added': 'ResponseContentPartAddedStreamingEvent',
  'response.content_part.done': 'ResponseContentPartDoneStreamingEvent',
  'response.output_text.delta': 'ResponseOutputTextDeltaStreamingEvent',
  'response.output_text.done': 'ResponseOutputTextDoneStreamingEvent',
  'response.refusal.delta': 'ResponseRefusalDeltaStreamingEvent',
  'response.refusal.done': 'ResponseRefusalDoneStreamingEvent',
  'response.reasoning.delta': 'ResponseReasoningDeltaStreamingEvent',
  'response.reasoning.done': 'ResponseReasoningDoneStreamingEvent',
  'response.reasoning_summary_text.delta': 'ResponseReasoningSummaryDeltaStreamingEvent',
  'response.reasoning_summary_text.done': 'ResponseReasoningSummaryDoneStreamingEvent',
  'response.output_text.annotation.added': 'ResponseOutputTextAnnotationAddedStreamingEvent',
  'response.function_call_arguments.delta': 'ResponseFunctionCallArgumentsDeltaStreamingEvent',
  'response.function_call_arguments.done': 'ResponseFunctionCallArgumentsDoneStreamingEvent',
  error: 'ErrorStreamingEvent',
};

/** Errors of one value against a spec schema, or [] when valid. */
export function specErrors(name: string, value: unknown): string[] {
  const v = schemaValidator(name);
  if (v(value)) return [];
  return (v.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

/**
 * Events the Open Responses spec does not define follow OpenAI's definitions (the `openai`
 * SDK's event types): the fields each must carry.
 */
const OPENAI_EVENT_FIELDS: Record<string, string[]> = {
  'response.reasoning_text.delta': ['item_id', 'output_index', 'content_index', 'delta'],
  'response.reasoning_text.done': ['item_id', 'output_index', 'content_index', 'text'],
  'response.code_interpreter_call.in_progress': ['item_id', 'output_index'],
  'response.code_interpreter_call_code.delta': ['item_id', 'output_index', 'delta'],
  'response.code_interpreter_call_code.done': ['item_id', 'output_index', 'code'],
  'response.code_interpreter_call.interpreting': ['item_id', 'output_index'],
  'response.code_interpreter_call.completed': ['item_id', 'output_index'],
  'response.web_search_call.in_progress': ['item_id', 'output_index'],
  'response.web_search_call.searching': ['item_id', 'output_index'],
  'response.web_search_call.completed': ['item_id', 'output_index'],
  'response.mcp_list_tools.in_progress': ['item_id', 'output_index'],
  'response.mcp_list_tools.completed': ['item_id', 'output_index'],
  'response.mcp_list_tools.failed': ['item_id', 'output_index'],
  'response.mcp_call.in_progress': ['item_id', 'output_index'],
  'response.mcp_call_arguments.delta': ['item_id', 'output_index', 'delta'],
  'response.mcp_call_arguments.done': ['item_id', 'output_index', 'arguments'],
  'response.mcp_call.completed': ['item_id', 'output_index'],
  'response.mcp_call.failed': ['item_id', 'output_index'],
};

/** Item types the spec defines; built-in tool items follow OpenAI's shapes instead. */
const SPEC_ITEM_TYPES = new Set(['message', 'function_call', 'function_call_output', 'reasoning', 'compaction']);
const OPENAI_ITEM_FIELDS: Record<string, string[]> = {
  code_interpreter_call: ['id', 'status', 'code', 'container_id', 'outputs'],
  web_search_call: ['id', 'status'],
  mcp_call: ['id', 'server_label', 'name', 'arguments'],
  mcp_list_tools: ['id', 'server_label', 'tools'],
  mcp_approval_request: ['id', 'server_label', 'name', 'arguments'],
};

function openaiItemErrors(item: Record<string, unknown>): string[] {
  const fields = OPENAI_ITEM_FIELDS[String(item.type)];
  if (!fields) return [`unknown item type ${String(item.type)}`];
  return fields.filter((f) => !(f in item)).map((f) => `item ${String(item.type)} missing ${f}`);
}

/**
 * A response validated against the spec's ResponseResource: built-in tool items and tools
 * (which the spec does not define) are checked against OpenAI's shapes and left out of the
 * schema validation.
 */
export function responseSpecErrors(resp: any): string[] {
  const builtins = (resp.output as any[]).filter((i) => !SPEC_ITEM_TYPES.has(i.type));
  const errors = builtins.flatMap(openaiItemErrors);
  const stripped = { ...resp, output: resp.output.filter((i: any) => SPEC_ITEM_TYPES.has(i.type)), tools: resp.tools.filter((t: any) => t.type === 'function') };
  return [...errors, ...specErrors('ResponseResource', stripped)];
}

/**
 * Validate a streaming event: against the spec's schema when the spec defines it, otherwise
 * against OpenAI's field list. Unknown event types are an error. Returns [] when valid.
 */
export function eventSpecErrors(event: { type: string }): string[] {
  const name = EVENT_SCHEMAS[event.type];
  const e0 = event as Record<string, any>;
  if (name && e0.item && !SPEC_ITEM_TYPES.has(e0.item.type)) {
    return [...openaiItemErrors(e0.item), ...specErrors(name, { ...e0, item: { type: 'function_call_output', id: 'x', call_id: 'x', output: '', status: 'completed' } })];
  }
  if (name && e0.response) return [...specErrors(name, { ...e0, response: { ...e0.response, output: [], tools: [] } }), ...responseSpecErrors(e0.response)];
  if (name) return specErrors(name, event);
  const fields = OPENAI_EVENT_FIELDS[event.type];
  if (!fields) return [`unknown event type ${event.type}`];
  const e = event as Record<string, unknown>;
  const errors = [...fields, 'sequence_number'].filter((f) => e[f] === undefined).map((f) => `missing ${f}`);
  if (!Number.isInteger(e.sequence_number)) errors.push('sequence_number must be an integer');
  return errors;
}
