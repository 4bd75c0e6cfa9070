import type { z } from 'zod';
import { invalidRequest, type ApiError } from './errors.js';
import { jsonSchemaProblem } from './json-schema-check.js';
import { createResponseSchema, type CreateResponseRequest, type RequestTool } from './request-schema.js';

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
    if (tool.type === 'mcp' && tool.connector_id !== undefined) {
      throw invalidRequest('MCP connectors (connector_id) are not supported by this gateway; use server_url or a built-in MCP server_label.', `tools[${i}].connector_id`, 'unsupported_parameter');
    }
  });
}

function toolName(tool: RequestTool): string {
  switch (tool.type) {
    case 'function':
      return tool.name;
    case 'mcp':
      return `mcp:${tool.server_label}`;
    case 'code_interpreter':
      return 'code_interpreter';
    default:
      return 'web_search';
  }
}

/** Cross-field rules the schema cannot express. */
function checkTools(req: CreateResponseRequest): void {
  const tools = req.tools ?? [];
  const seen = new Set<string>();
  tools.forEach((tool, i) => {
    if (tool.type === 'function' && tool.name.startsWith('mcp__')) {
      throw invalidRequest(`Function name '${tool.name}' is reserved: names starting with 'mcp__' belong to the gateway's MCP tools.`, `tools[${i}].name`, 'invalid_value');
    }
    if (tool.type === 'function' && (tool.name === 'code_interpreter' || tool.name === 'web_search')) {
      throw invalidRequest(`Function name '${tool.name}' is reserved for the gateway's built-in tool of that name.`, `tools[${i}].name`, 'invalid_value');
    }
    if (tool.type === 'function' && tool.parameters) {
      const problem = jsonSchemaProblem(tool.parameters);
      if (problem) throw invalidRequest(`Invalid JSON schema for function '${tool.name}' parameters: ${problem}.`, `tools[${i}].parameters`, 'invalid_function_parameters');
    }
    const name = toolName(tool);
    if (seen.has(name)) {
      const what = tool.type === 'mcp' ? `MCP server_label '${tool.server_label}'` : tool.type === 'function' ? `function name '${tool.name}'` : `tool '${tool.type}'`;
      throw invalidRequest(`Duplicate ${what} in tools.`, tool.type === 'mcp' ? `tools[${i}].server_label` : tool.type === 'function' ? `tools[${i}].name` : `tools[${i}]`, 'duplicate_value');
    }
    seen.add(name);
  });
}

/** Parse and validate a request body; throws a 400 ApiError naming the offending param. */
export function validateCreateResponse(body: unknown): CreateResponseRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('The request body must be a JSON object.', null, 'invalid_body');
  }
  const parsed = createResponseSchema.safeParse(body);
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
