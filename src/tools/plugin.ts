/**
 * How a gateway tool is switched on: its CLI flags (also accepted as `--responses-<flag>` in
 * integrated mode), how their values are validated into typed options, its start-up summary
 * line, and how one gateway process builds the tool (reading its own `VR_*` environment). With
 * its `spec` (the public API knowledge), this is everything the rest of the gateway knows about
 * a tool; `catalog.ts` lists one plugin per tool.
 */
import type { GatewayToolSpec, ToolEntrySchema } from './spec.js';
import type { GatewayTool } from './types.js';
import type { McpRuntimeClient } from './mcp/runtime-client.js';

/** A `vllm-responses serve --<flag> <value>` option. */
export interface ToolFlag {
  /** Without the dashes, e.g. `web-search-profile`; its camelCase is the raw value's key. */
  flag: string;
  /** The value's placeholder in help, e.g. `profile`. */
  value: string;
  description: string;
  default?: string;
}

/** Raw flag values as commander hands them over, by camelCase key. */
export type RawFlags = Readonly<Record<string, string | undefined>>;

/** The helper processes the supervisor started for this gateway (null when off). */
export interface ToolHelpers {
  codeInterpreterUrl: string | null;
  mcpRuntime: McpRuntimeClient | null;
}

export interface ToolSetupContext<O> {
  options: O;
  /** The process environment: each tool reads its own `VR_*` variables here, once. */
  env: NodeJS.ProcessEnv;
  helpers: ToolHelpers;
}

export interface GatewayToolPlugin<O extends object = object> {
  readonly spec: GatewayToolSpec<ToolEntrySchema, ToolEntrySchema>;
  readonly flags: readonly ToolFlag[];
  /** Validate the flags (throw an OptionError naming the flag); the result joins ServeOptions. */
  readOptions(raw: RawFlags): O;
  /** The tool's part of the start-up line, or null to say nothing (e.g. a helper's line covers it). */
  describe(options: O): string | null;
  /** Build the tool in a gateway process; null when it is off (requests using it are a 400). */
  create(ctx: ToolSetupContext<O>): GatewayTool | null;
}

/** Keeps each plugin's options and spec types, for the catalog's typed ServeOptions and request schema. */
export function defineToolPlugin<O extends object, S extends GatewayToolSpec<ToolEntrySchema, ToolEntrySchema>>(plugin: GatewayToolPlugin<O> & { spec: S }): GatewayToolPlugin<O> & { spec: S } {
  return plugin;
}
