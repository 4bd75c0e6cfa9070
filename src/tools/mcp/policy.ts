/** The request's per-server policies: which tools are offered, and which calls need approval. */
import type { McpEntry } from './spec.js';

export type { McpEntry };

/** `allowed_tools` as a list of names or `{tool_names}`; absent = every tool. */
export function isToolAllowed(entry: McpEntry, toolName: string): boolean {
  const allowed = entry.allowed_tools;
  if (!allowed) return true;
  const names = Array.isArray(allowed) ? allowed : allowed.tool_names;
  return names ? names.includes(toolName) : true;
}

/**
 * `require_approval`: omitted means `always`, as in OpenAI's API. With per-tool settings, a
 * tool listed under `never` runs directly and every other tool needs approval.
 */
export function needsApproval(entry: McpEntry, toolName: string): boolean {
  const policy = entry.require_approval ?? 'always';
  if (policy === 'never') return false;
  if (policy === 'always') return true;
  if (policy.always?.tool_names?.includes(toolName)) return true;
  if (policy.never?.tool_names?.includes(toolName)) return false;
  return true;
}
