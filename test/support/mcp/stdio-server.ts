// A real MCP server over stdio for tests: `node --import tsx test/support/mcp/stdio-server.ts`.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { buildTestMcpServer } from './tools.js';

await buildTestMcpServer(process.env.MCP_TEST_NAME ?? 'stdio').connect(new StdioServerTransport());
