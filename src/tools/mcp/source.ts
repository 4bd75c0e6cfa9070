/**
 * Where an MCP server's tools come from: the built-in runtime (by label) or a remote server
 * named in the request. Both answer the same two questions; errors say which side failed.
 */
export interface McpToolInfo {
  name: string;
  description: string | null;
  input_schema: unknown;
  annotations: unknown;
}

export interface McpCallResult {
  content: unknown[];
  is_error: boolean;
  structured_content?: unknown;
}

export interface McpSource {
  listTools(signal?: AbortSignal): Promise<McpToolInfo[]>;
  callTool(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<McpCallResult>;
}
