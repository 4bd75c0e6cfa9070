import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/**
 * The tools every test MCP server offers: `echo` (text back), `add` (a + b), `fail` (a tool-level
 * error, `isError: true`) and `whoami` (whether credentials reached the HTTP server; never echoes them).
 */
export function buildTestMcpServer(name: string, seenHeader?: () => string | undefined): McpServer {
  const server = new McpServer({ name, version: '1.0.0' });
  server.registerTool('echo', { description: 'Echo the text back.', inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: 'text', text: `${name} echo: ${text}` }],
  }));
  server.registerTool('add', { description: 'Add two numbers.', inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => ({
    content: [{ type: 'text', text: String(a + b) }],
  }));
  server.registerTool('fail', { description: 'Always fails.', inputSchema: {} }, async () => ({
    content: [{ type: 'text', text: 'boom: the tool failed on purpose' }],
    isError: true,
  }));
  if (seenHeader) {
    server.registerTool('whoami', { description: 'Which credentials reached the server.', inputSchema: {} }, async () => ({
      content: [{ type: 'text', text: seenHeader() ? 'credentials received' : 'no credentials' }],
    }));
  }
  return server;
}
