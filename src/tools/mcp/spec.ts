import { z } from 'zod';
import { invalidRequest } from '../../api/errors.js';
import { defineToolSpec } from '../spec.js';
import { mcpApprovalRequestInput, mcpApprovalResponseInput, mcpCallInput, mcpListToolsInput, type McpApprovalResponseItem } from './items.js';
import { MCP_FUNCTION_PREFIX, mcpFunctionName } from './names.js';

const toolNames = z.object({ tool_names: z.array(z.string()).optional() });

export const mcpEntrySchema = z.object({
  type: z.literal('mcp'),
  server_label: z.string().min(1).regex(/^[A-Za-z0-9_-]+$/, 'server_label may contain only letters, digits, underscores and dashes.'),
  server_url: z.string().optional(),
  server_description: z.string().optional(),
  connector_id: z.string().optional(),
  headers: z.record(z.string(), z.string()).nullish(),
  authorization: z.string().optional(),
  allowed_tools: z.union([z.array(z.string()), z.object({ tool_names: z.array(z.string()).optional(), read_only: z.boolean().optional() })]).nullish(),
  require_approval: z.union([z.enum(['always', 'never']), z.object({ always: toolNames.optional(), never: toolNames.optional() })]).nullish(),
});
export type McpEntry = z.infer<typeof mcpEntrySchema>;

export const mcpSpec = defineToolSpec({
  kind: 'mcp',
  requestSchema: mcpEntrySchema,
  choiceSchema: z.object({ type: z.literal('mcp'), server_label: z.string(), name: z.string().nullish() }),
  reservedFunctionName: (name) =>
    name.startsWith(MCP_FUNCTION_PREFIX) ? `Function name '${name}' is reserved: names starting with '${MCP_FUNCTION_PREFIX}' belong to the gateway's MCP tools.` : null,
  identity: (entry) => ({ key: `mcp:${entry.server_label}`, what: `MCP server_label '${entry.server_label}'`, field: 'server_label' }),
  checkEntry: (entry, param) =>
    entry.connector_id !== undefined
      ? invalidRequest('MCP connectors (connector_id) are not supported by this gateway; use server_url or a built-in MCP server_label.', `${param}.connector_id`, 'unsupported_parameter')
      : null,
  selects: (entry, ref) => entry.server_label === ref.server_label,
  describeRef: (ref) => `mcp:${ref.server_label}`,
  // `{type: "mcp", server_label, name}` forces that one function; without a name, any of the server's.
  forcedFunctions: (ref, fns) => (ref.name ? fns.filter((f) => f.name === mcpFunctionName(ref.server_label, ref.name ?? '')) : fns),
  inputItems: [mcpCallInput, mcpListToolsInput, mcpApprovalRequestInput, mcpApprovalResponseInput],
  normalizeInput: {
    mcp_approval_response: (item, newId): McpApprovalResponseItem => {
      const answer = item as Omit<McpApprovalResponseItem, 'id'> & { id?: string | null };
      return { ...answer, id: answer.id ?? newId('mcpr') };
    },
  },
  // Secrets (headers, authorization) are request-scoped: never echoed, never stored.
  echo: ({ headers: _headers, authorization: _authorization, ...rest }) => ({ ...rest, allowed_tools: rest.allowed_tools ?? null, headers: null, require_approval: rest.require_approval ?? 'always' }),
});
