/**
 * What a gateway tool knows about the public API, independent of whether this gateway runs it:
 * the request `tools[]` entry it serves (its zod schema), how `tool_choice` names it, which
 * function names it reserves, how the response echoes its entry and which of its item fields
 * only `include` reveals. The request schema, validation, `tool_choice` translation, the
 * response echo and the include filter all read this; none of them names a tool.
 */
import type { z } from 'zod';
import type { ApiError } from '../api/errors.js';
import type { IdGenerator } from '../api/ids.js';
import type { Item } from '../api/items.js';
import type { ModelTool } from '../upstream/types.js';

/** A request tool entry schema: an object whose `type` is one literal or a set of them. */
export type ToolEntrySchema = z.ZodObject<{ type: z.ZodLiteral<string> } & z.core.$ZodLooseShape>;

/** A `tool_choice` (or `allowed_tools` reference) that names this tool. */
export type ToolRef = { type: string } & Record<string, unknown>;

export interface GatewayToolSpec<S extends ToolEntrySchema = ToolEntrySchema, C extends ToolEntrySchema = ToolEntrySchema> {
  /** The tool's name: metrics label, `tool_not_enabled` errors, the registry key. */
  readonly kind: string;
  /** The request `tools[]` entry this tool serves; its `type` values are the request types. */
  readonly requestSchema: S;
  /** `tool_choice: {type: …}` and `allowed_tools` references naming this tool. */
  readonly choiceSchema: C;
  /** The request types served, read from `requestSchema` (e.g. every `web_search*` alias). */
  readonly requestTypes: readonly string[];
  /** The `tool_choice` types naming this tool, read from `choiceSchema`. */
  readonly choiceTypes: readonly string[];
  /** A client function by this name would collide with the tool: the error message, else null. */
  reservedFunctionName(name: string): string | null;
  /**
   * Two entries with the same key are duplicates; `what` names it in the error, `field` is the
   * entry field the error points at (the whole entry when absent).
   */
  identity(entry: z.infer<S>): { key: string; what: string; field?: string };
  /** Request-level rules the schema cannot express (e.g. unsupported fields): the error, else null. */
  checkEntry?(entry: z.infer<S>, param: string): ApiError | null;
  /** Does this request entry satisfy this `tool_choice` / `allowed_tools` reference? */
  selects(entry: z.infer<S>, ref: z.infer<C>): boolean;
  /** How the reference is named in "not found in 'tools'" errors. */
  describeRef(ref: z.infer<C>): string;
  /**
   * Forcing this tool: by default the model keeps every tool and must call one of this entry's
   * functions. A tool whose reference names one of its functions narrows the list instead.
   */
  forcedFunctions?(ref: z.infer<C>, fns: ModelTool[]): ModelTool[];
  /** The entry as the response's `tools` echoes it (secrets such as MCP headers never are). */
  echo(entry: z.infer<S>): Record<string, unknown>;
  /**
   * When this gateway does not run the tool, a request declaring it may still proceed without it
   * (`VR_UNAVAILABLE_BUILTIN_TOOLS=omit`): true for tools a client declares by habit (Codex
   * always declares `web_search`); false for tools whose entry names something specific the
   * client expects to be used (an MCP server), which stay a 400.
   */
  readonly omittableWhenOff?: boolean;
  /**
   * The tool's items as clients may send them back in `input` (its output items, approvals);
   * they join the request schema's input item union. Their stored types are declared by the
   * tool too (an `items.ts` that adds them to `GatewayToolItems` in api/items.ts).
   */
  readonly inputItems: readonly ToolEntrySchema[];
  /** Per item type: how an input item of this tool becomes a stored item (ids, defaults). */
  readonly normalizeInput?: Readonly<Record<string, (item: { type: string }, newId: IdGenerator) => Item>>;
  /** The `include` values this tool's items honour (e.g. `code_interpreter_call.outputs`). */
  readonly includeValues?: readonly string[];
  /** Per item type: the client's view of a stored item of this tool, given `include`. */
  readonly clientFilters?: Readonly<Record<string, (item: Item, include: readonly string[]) => Item>>;
}

type SpecInput<S extends ToolEntrySchema, C extends ToolEntrySchema> = Omit<GatewayToolSpec<S, C>, 'requestTypes' | 'choiceTypes' | 'identity' | 'selects' | 'describeRef'> &
  Partial<Pick<GatewayToolSpec<S, C>, 'identity' | 'selects' | 'describeRef'>>;

function literalValues(schema: ToolEntrySchema): string[] {
  return [...(schema.shape.type as z.ZodLiteral<string>).values];
}

/**
 * Fill in the defaults: one entry per request (keyed by kind), any entry of the tool satisfies
 * a reference to it, and the reference is named by its type.
 */
export function defineToolSpec<S extends ToolEntrySchema, C extends ToolEntrySchema, const I extends readonly ToolEntrySchema[]>(
  spec: SpecInput<S, C> & { inputItems: I },
): GatewayToolSpec<S, C> & { inputItems: I } {
  const requestTypes = literalValues(spec.requestSchema);
  return {
    identity: (entry) => ({ key: spec.kind, what: `tool '${(entry as { type: string }).type}'` }),
    selects: (entry) => requestTypes.includes((entry as { type: string }).type),
    describeRef: (ref) => (ref as { type: string }).type,
    ...spec,
    requestTypes,
    choiceTypes: literalValues(spec.choiceSchema),
  };
}
