/**
 * The gateway tools this build knows, in one list. Adding a tool is its own folder plus one
 * line here (and its import): the request schema, validation, `tool_choice`, the response echo,
 * the include filter, the CLI flags, the start-up line and the composition root all read this
 * list (see docs/architecture.md).
 */
import type { RequestTool } from '../api/request-schema.js';
import { codeInterpreterPlugin } from './code-interpreter/index.js';
import { mcpPlugin } from './mcp/index.js';
import type { GatewayToolPlugin } from './plugin.js';
import type { GatewayToolSpec, ToolEntrySchema, ToolRef } from './spec.js';
import { webSearchPlugin } from './web-search/index.js';

export const GATEWAY_TOOLS = [codeInterpreterPlugin, webSearchPlugin, mcpPlugin] as const;

type EntrySchemas<T extends readonly unknown[]> = { [K in keyof T]: T[K] extends { spec: GatewayToolSpec<infer S, ToolEntrySchema> } ? S : never };
type ChoiceSchemas<T extends readonly unknown[]> = { [K in keyof T]: T[K] extends { spec: GatewayToolSpec<ToolEntrySchema, infer C> } ? C : never };
type ItemSchemas<T extends readonly unknown[]> = T extends readonly [infer H, ...infer R]
  ? [...(H extends { spec: { inputItems: infer I extends readonly unknown[] } } ? I : []), ...ItemSchemas<R>]
  : [];
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** Every tool's typed options (e.g. `webSearchProfile`), merged into ServeOptions. */
export type GatewayToolOptions = UnionToIntersection<ReturnType<(typeof GATEWAY_TOOLS)[number]['readOptions']>>;

/** Every tool's options when none of its flags is given. */
export function defaultToolOptions(): GatewayToolOptions {
  return Object.assign({}, ...GATEWAY_TOOLS.map((t) => t.readOptions({}))) as GatewayToolOptions;
}

/** Each tool's request entry schema, as a tuple (the request schema's discriminated union needs one). */
export const gatewayEntrySchemas = GATEWAY_TOOLS.map((t) => t.spec.requestSchema) as unknown as EntrySchemas<typeof GATEWAY_TOOLS>;
/** Each tool's `tool_choice` schema, as a tuple. */
export const gatewayChoiceSchemas = GATEWAY_TOOLS.map((t) => t.spec.choiceSchema) as unknown as ChoiceSchemas<typeof GATEWAY_TOOLS>;

export const allGatewayToolPlugins: readonly GatewayToolPlugin[] = GATEWAY_TOOLS as readonly GatewayToolPlugin<object>[];
export const allGatewayToolSpecs: readonly GatewayToolSpec[] = allGatewayToolPlugins.map((t) => t.spec);

/** Every tool's input item schemas, as one tuple (joined into the request's input item union). */
export const gatewayItemSchemas = allGatewayToolPlugins.flatMap((t) => t.spec.inputItems) as unknown as ItemSchemas<typeof GATEWAY_TOOLS>;

const byRequestType = new Map(allGatewayToolSpecs.flatMap((s) => s.requestTypes.map((t) => [t, s] as const)));
const byChoiceType = new Map(allGatewayToolSpecs.flatMap((s) => s.choiceTypes.map((t) => [t, s] as const)));

/** The gateway tool serving a request entry; undefined for client tools (functions, …). */
export function specOf(entry: RequestTool): GatewayToolSpec | undefined {
  return byRequestType.get(entry.type);
}

const byItemType = new Map(allGatewayToolSpecs.flatMap((s) => s.inputItems.map((schema) => [(schema.shape.type as { value: string }).value, s] as const)));

/** The gateway tool whose item type this is (e.g. `mcp_call` → mcp). */
export function specForItem(type: string): GatewayToolSpec | undefined {
  return byItemType.get(type);
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
