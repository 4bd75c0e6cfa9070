import { z } from 'zod';

/** The MCP items as clients send them back in `input`; their outputs are the stored types. */
export const mcpCallInput = z.object({
  type: z.literal('mcp_call'),
  id: z.string(),
  server_label: z.string(),
  name: z.string(),
  arguments: z.string(),
  output: z.string().nullish(),
  error: z.string().nullish(),
  status: z.enum(['in_progress', 'completed', 'incomplete', 'calling', 'failed']).optional(),
  approval_request_id: z.string().nullish(),
});
export type McpCallItem = z.output<typeof mcpCallInput>;

export const mcpListToolsInput = z.object({
  type: z.literal('mcp_list_tools'),
  id: z.string(),
  server_label: z.string(),
  tools: z.array(z.object({ name: z.string(), description: z.string().nullish(), input_schema: z.unknown(), annotations: z.unknown().optional() })),
  error: z.string().nullish(),
});
export type McpListToolsItem = z.output<typeof mcpListToolsInput>;

export const mcpApprovalRequestInput = z.object({
  type: z.literal('mcp_approval_request'),
  id: z.string(),
  server_label: z.string(),
  name: z.string(),
  arguments: z.string(),
});
export type McpApprovalRequestItem = z.output<typeof mcpApprovalRequestInput>;

/** The client's answer to an approval request; the gateway gives it an id when it has none. */
export const mcpApprovalResponseInput = z.object({
  type: z.literal('mcp_approval_response'),
  id: z.string().nullish(),
  approval_request_id: z.string(),
  approve: z.boolean(),
  reason: z.string().nullish(),
});
export type McpApprovalResponseItem = Omit<z.output<typeof mcpApprovalResponseInput>, 'id'> & { id: string };

declare module '../../api/items.js' {
  interface GatewayToolItems {
    mcp_call: McpCallItem;
    mcp_list_tools: McpListToolsItem;
    mcp_approval_request: McpApprovalRequestItem;
    mcp_approval_response: McpApprovalResponseItem;
  }
}
