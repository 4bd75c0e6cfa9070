/**
 * The gateway tools this build knows, in one list. Adding a tool is its own folder plus one
 * line here (and its import): the request schema, validation, `tool_choice`, the response echo,
 * the include filter and the tool loop all read this list (see docs/architecture.md).
 */
import type { RequestTool } from '../api/request-schema.js';
import { codeInterpreterSpec } from './code-interpreter/spec.js';
import { mcpSpec } from './mcp/spec.js';
import type { GatewayToolSpec, ToolEntrySchema, ToolRef } from './spec.js';
import { webSearchSpec } from './web-search/spec.js';

export const GATEWAY_TOOL_SPECS = [codeInterpreterSpec, webSearchSpec, mcpSpec] as const;

type EntrySchemas<T extends readonly unknown[]> = { [K in keyof T]: T[K] extends GatewayToolSpec<infer S, ToolEntrySchema> ? S : never };
type ChoiceSchemas<T extends readonly unknown[]> = { [K in keyof T]: T[K] extends GatewayToolSpec<ToolEntrySchema, infer C> ? C : never };

/** Each spec's request entry schema, as a tuple (the request schema's discriminated union needs one). */
export const gatewayEntrySchemas = GATEWAY_TOOL_SPECS.map((s) => s.requestSchema) as unknown as EntrySchemas<typeof GATEWAY_TOOL_SPECS>;
/** Each spec's `tool_choice` schema, as a tuple. */
export const gatewayChoiceSchemas = GATEWAY_TOOL_SPECS.map((s) => s.choiceSchema) as unknown as ChoiceSchemas<typeof GATEWAY_TOOL_SPECS>;

const specs = GATEWAY_TOOL_SPECS as readonly GatewayToolSpec[];
const byRequestType = new Map(specs.flatMap((s) => s.requestTypes.map((t) => [t, s] as const)));
const byChoiceType = new Map(specs.flatMap((s) => s.choiceTypes.map((t) => [t, s] as const)));

/** The gateway tool serving a request entry; undefined for client tools (functions, …). */
export function specOf(entry: RequestTool): GatewayToolSpec | undefined {
  return byRequestType.get(entry.type);
}

/** The gateway tool a `tool_choice` / `allowed_tools` reference names. */
export function specForChoice(ref: ToolRef): GatewayToolSpec | undefined {
  return byChoiceType.get(ref.type);
}

/** Does a request entry satisfy a reference to a gateway tool? */
export function selectsGatewayTool(entry: RequestTool, ref: ToolRef): boolean {
  const spec = specForChoice(ref);
  return spec !== undefined && specOf(entry) === spec && spec.selects(entry, ref);
}

export const allGatewayToolSpecs: readonly GatewayToolSpec[] = specs;
