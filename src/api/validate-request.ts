import type { z } from 'zod';
import { DEFAULT_LIMITS, type Limits } from '../config/limits.js';
import { invalidRequest, type ApiError } from './errors.js';
import { jsonSchemaProblem } from './json-schema-check.js';
import { allGatewayToolSpecs, specOf } from '../tools/catalog.js';
import { clientModelTools, isClientToolEntry } from '../tools/client/model-functions.js';
import { SUPPORTED_TYPES, type CreateResponseRequest, type RequestTool } from './request-schema.js';
import { requestSchemaFor } from './request-schema-for-keys.js';

/** `['input', 0, 'content']` → `input[0].content`, the way OpenAI names params in errors. */
export function formatParamPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let cur: any = body;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[seg as keyof typeof cur];
  }
  return cur;
}

/** A union failed: report the branch that got furthest, so `param` points at the real culprit. */
function deepestIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return issue;
  let best: z.core.$ZodIssue = issue;
  let bestDepth = issue.path.length;
  for (const branch of issue.errors) {
    for (const sub of branch) {
      const candidate = deepestIssue({ ...sub, path: [...issue.path, ...sub.path] } as z.core.$ZodIssue);
      if (candidate.path.length > bestDepth) {
        best = candidate;
        bestDepth = candidate.path.length;
      }
    }
  }
  return best;
}

function issueToError(rawIssue: z.core.$ZodIssue, body: unknown): ApiError {
  const issue = deepestIssue(rawIssue);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const param = formatParamPath([...issue.path, key]);
    return invalidRequest(`Unknown parameter: '${param}'.`, param, 'unknown_parameter');
  }
  const param = formatParamPath(issue.path);
  if (issue.code === 'invalid_type' && valueAt(body, issue.path) === undefined) {
    return invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
  }
  return invalidRequest(`Invalid value for '${param}': ${issue.message}`, param || null, 'invalid_value');
}

/** Fields that clients may send but this gateway cannot honour: say so instead of ignoring them. */
function rejectUnsupported(req: CreateResponseRequest): void {
  // A background run is only reachable through the store (polling, resuming, cancelling).
  if (req.background && req.store === false) throw invalidRequest('Background mode requires store=true.', 'background', 'invalid_value');
  req.tools?.forEach((tool, i) => {
    const problem = specOf(tool)?.checkEntry?.(tool, `tools[${i}]`);
    if (problem) throw problem;
  });
}

/** Which entry a tool is for duplicate detection, and how an error names it. */
function identity(tool: RequestTool): { key: string; what: string; field?: string } {
  if (tool.type === 'function') return { key: tool.name, what: `function name '${tool.name}'`, field: 'name' };
  return specOf(tool)?.identity(tool) ?? { key: tool.type, what: `tool '${tool.type}'` };
}

/**
 * A client tool (custom, namespace, shell, …) is shown to the model as functions: their names
 * must not collide with each other, with client functions or with gateway tools' names, and
 * namespaced functions' schemas must be valid.
 */
function checkClientTool(tool: RequestTool, i: number, seen: Set<string>): void {
  if (tool.type === 'namespace') {
    tool.tools.forEach((inner, j) => {
      if (inner.type === 'function' && inner.parameters) {
        const problem = jsonSchemaProblem(inner.parameters);
        if (problem) throw invalidRequest(`Invalid JSON schema for function '${inner.name}' parameters: ${problem}.`, `tools[${i}].tools[${j}].parameters`, 'invalid_function_parameters');
      }
    });
  }
  for (const fn of clientModelTools(tool)) {
    for (const spec of allGatewayToolSpecs) {
      const reserved = spec.reservedFunctionName(fn.name);
      if (reserved) throw invalidRequest(reserved, `tools[${i}]`, 'invalid_value');
    }
    if (seen.has(fn.name)) throw invalidRequest(`Duplicate tool name '${fn.name}' in tools (as the model sees it).`, `tools[${i}]`, 'duplicate_value');
    seen.add(fn.name);
  }
}

/** Cross-field rules the schema cannot express. */
function checkTools(req: CreateResponseRequest): void {
  const tools = req.tools ?? [];
  const seen = new Set<string>();
  tools.forEach((tool, i) => {
    if (tool.type === 'function') {
      for (const spec of allGatewayToolSpecs) {
        const reserved = spec.reservedFunctionName(tool.name);
        if (reserved) throw invalidRequest(reserved, `tools[${i}].name`, 'invalid_value');
      }
      if (tool.parameters) {
        const problem = jsonSchemaProblem(tool.parameters);
        if (problem) throw invalidRequest(`Invalid JSON schema for function '${tool.name}' parameters: ${problem}.`, `tools[${i}].parameters`, 'invalid_function_parameters');
      }
    }
    if (isClientToolEntry(tool)) {
      checkClientTool(tool, i, seen);
      return;
    }
    const { key, what, field } = identity(tool);
    if (seen.has(key)) throw invalidRequest(`Duplicate ${what} in tools.`, field ? `tools[${i}].${field}` : `tools[${i}]`, 'duplicate_value');
    seen.add(key);
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unsupportedType(what: string, type: string, param: string, supported: ReadonlySet<string>) {
  return invalidRequest(`Unsupported ${what} type '${type}' at '${param}'. Supported types: ${[...supported].join(', ')}.`, param, 'unsupported_type');
}

/**
 * A tool, item or content part whose `type` this gateway does not know is a 400 that names the
 * type (checked before the schema, whose union errors would only list every branch's problem).
 */
function checkTypes(body: Record<string, unknown>): void {
  if (Array.isArray(body.tools)) {
    body.tools.forEach((tool, i) => {
      if (isRecord(tool) && typeof tool.type === 'string' && !SUPPORTED_TYPES.tool.has(tool.type)) {
        throw unsupportedType('tool', tool.type, `tools[${i}].type`, SUPPORTED_TYPES.tool);
      }
    });
  }
  if (!Array.isArray(body.input)) return;
  body.input.forEach((item, i) => {
    if (!isRecord(item)) return;
    if (typeof item.type === 'string' && !SUPPORTED_TYPES.item.has(item.type)) {
      throw unsupportedType('input item', item.type, `input[${i}].type`, SUPPORTED_TYPES.item);
    }
    if ((item.type === undefined || item.type === 'message') && Array.isArray(item.content)) {
      item.content.forEach((part, j) => {
        if (isRecord(part) && typeof part.type === 'string' && !SUPPORTED_TYPES.contentPart.has(part.type)) {
          throw unsupportedType('content part', part.type, `input[${i}].content[${j}].type`, SUPPORTED_TYPES.contentPart);
        }
      });
    }
  });
}

/** Request shape caps (configured in config/limits.ts). */
export type RequestShapeLimits = Pick<Limits, 'maxTools' | 'maxSchemaDepth' | 'maxInputDepth'>;

/**
 * The path to the first value nested deeper than `max` levels below `root` (objects and arrays
 * count), or null. Iterative, so no input can overflow the stack here; later recursive walks
 * (schema checks, serialisation) then only ever see bounded depths.
 */
export function deepestPath(root: unknown, max: number): PropertyKey[] | null {
  // Each entry links to its parent: the path is only built for the one value that is too deep
  // (building it per value cost an array per node of every request body).
  const stack: Visit[] = [{ value: root, depth: 0, key: undefined, parent: null }];
  while (stack.length) {
    const visit = stack.pop()!;
    const value = visit.value;
    if (value === null || typeof value !== 'object') continue;
    if (visit.depth >= max) return pathOf(visit);
    const depth = visit.depth + 1;
    if (Array.isArray(value)) {
      // Pushed in order (so popped last first), as the path reported for several too-deep values always was.
      for (let i = 0; i < value.length; i++) stack.push({ value: value[i], depth, key: i, parent: visit });
    } else {
      const keys = Object.keys(value);
      for (let i = 0; i < keys.length; i++) stack.push({ value: (value as Record<string, unknown>)[keys[i]!], depth, key: keys[i], parent: visit });
    }
  }
  return null;
}

interface Visit {
  value: unknown;
  depth: number;
  key: PropertyKey | undefined;
  parent: Visit | null;
}

function pathOf(visit: Visit): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let v: Visit | null = visit; v?.parent; v = v.parent) path.push(v.key!);
  return path.reverse();
}

function tooDeep(param: string, what: string, max: number): ApiError {
  return invalidRequest(`${what} is nested too deeply: at most ${max} levels are accepted (at '${param}').`, param, 'nesting_too_deep');
}

/**
 * Counts and depths are capped before the schema sees the body: 100,000 tools or a JSON Schema
 * nested 1,000 levels deep must be a quick 400, not a blocked event loop or a stack overflow.
 */
function checkShape(body: Record<string, unknown>, limits: RequestShapeLimits): void {
  const tools = body.tools;
  if (Array.isArray(tools)) {
    if (tools.length > limits.maxTools) {
      throw invalidRequest(`Too many tools: ${tools.length} given, at most ${limits.maxTools} are accepted.`, 'tools', 'array_above_max_length');
    }
    tools.forEach((tool, i) => {
      // A tool entry wraps its schema in two levels (the entry, `parameters`).
      const at = deepestPath(tool, limits.maxSchemaDepth + 2);
      if (at) throw tooDeep(formatParamPath(['tools', i, ...at]), 'A tool definition', limits.maxSchemaDepth);
    });
  }
  const text = body.text;
  if (isRecord(text)) {
    const at = deepestPath(text, limits.maxSchemaDepth + 3);
    if (at) throw tooDeep(formatParamPath(['text', ...at]), 'text.format.schema', limits.maxSchemaDepth);
  }
  if (body.input !== undefined) {
    const at = deepestPath(body.input, limits.maxInputDepth);
    if (at) throw tooDeep(formatParamPath(['input', ...at]), 'The input', limits.maxInputDepth);
  }
  for (const [key, value] of Object.entries(body)) {
    if (key === 'tools' || key === 'text' || key === 'input') continue;
    const at = deepestPath(value, limits.maxInputDepth);
    if (at) throw tooDeep(formatParamPath([key, ...at]), `'${key}'`, limits.maxInputDepth);
  }
}

/** Parse any JSON object body against `schema`; a 400 naming the offending param otherwise. */
export function validateBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('The request body must be a JSON object.', null, 'invalid_body');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw first ? issueToError(first, body) : invalidRequest('Invalid request body.');
  }
  return parsed.data;
}

/** Parse and validate a request body; throws a 400 ApiError naming the offending param. */
export function validateCreateResponse(body: unknown, limits: RequestShapeLimits = DEFAULT_LIMITS): CreateResponseRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('The request body must be a JSON object.', null, 'invalid_body');
  }
  checkShape(body as Record<string, unknown>, limits);
  checkTypes(body as Record<string, unknown>);
  const parsed = requestSchemaFor(body as Record<string, unknown>).safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw first ? issueToError(first, body) : invalidRequest('Invalid request body.');
  }
  const req = parsed.data;
  if (req.input === undefined) throw invalidRequest("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
  rejectUnsupported(req);
  checkTools(req);
  const format = req.text?.format;
  if (format?.type === 'json_schema') {
    const problem = jsonSchemaProblem(format.schema);
    if (problem) throw invalidRequest(`Invalid JSON schema for text.format: ${problem}.`, 'text.format.schema', 'invalid_json_schema');
  }
  return req;
}
