/**
 * How a gateway tool is switched on: its CLI flags (also accepted as `--responses-<flag>` in
 * integrated mode; a tool served by a helper process owns the helper's flags too), how their
 * values are validated into typed options, its `VR_*` variables as help lists them, its start-up
 * summary line, and how one gateway process builds the tool (reading its own `VR_*` environment). With
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

/** One line of the `Environment` help of `serve --help` and `vllm serve --responses --help`. */
export interface ToolEnvHelp {
  /** A variable, or a family such as `VR_WEB_SEARCH_*`. */
  name: string;
  description: string;
}

/** Raw flag values as commander hands them over, by camelCase key. */
export type RawFlags = Readonly<Record<string, string | undefined>>;

/** The helper processes the supervisor started for this gateway (null when off). */
export interface ToolHelpers {
  codeInterpreterUrl: string | null;
  /** The code interpreter helper's per-start token (helpers/helper-token.ts). */
  codeInterpreterToken?: string | undefined;
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
  /** The tool's environment variables for help (the README documents each one). */
  readonly env?: readonly ToolEnvHelp[];
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
