/**
 * The model sees each MCP tool as one function `mcp__<label>__<tool>`. Tool names are made safe
 * for function-calling (letters, digits, `_`, `-`) deterministically, so a stored `mcp_call`
 * (which keeps the real tool name) replays under the same function name on continuations.
 */
/** Every MCP function name starts with this, so client functions may not. */
export const MCP_FUNCTION_PREFIX = 'mcp__';

export function mcpFunctionPrefix(serverLabel: string): string {
  return `${MCP_FUNCTION_PREFIX}${serverLabel}__`;
}

export function mcpFunctionName(serverLabel: string, toolName: string): string {
  return `${mcpFunctionPrefix(serverLabel)}${toolName.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}
