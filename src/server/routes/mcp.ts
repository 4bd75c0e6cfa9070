/**
 * Discovery of the built-in MCP servers: `GET /v1/mcp/servers` (inventory with availability;
 * an empty list when built-in MCP is off) and `GET /v1/mcp/servers/{label}/tools` (404 unknown,
 * 409 unavailable, 503 runtime unreachable), with OpenAI-shaped errors.
 */
import type { FastifyInstance } from 'fastify';
import { ApiError, notFound } from '../../api/errors.js';
import { RuntimeError, type McpRuntimeClient } from '../../tools/mcp/runtime-client.js';

function mapRuntimeError(err: unknown, label: string | null): ApiError {
  if (!(err instanceof RuntimeError)) throw err;
  if (err.status === 404 && label !== null) return notFound(`No built-in MCP server with label '${label}'.`, 'label', 'mcp_server_not_found');
  if (err.status === 409) return new ApiError(409, err.message, 'invalid_request_error', 'label', 'mcp_server_unavailable');
  if (err.status === 0) return new ApiError(503, 'The MCP runtime is unreachable.', 'server_error', null, 'mcp_runtime_unavailable');
  return new ApiError(502, err.message, 'server_error', null, 'mcp_server_error');
}

export function registerMcpRoutes(app: FastifyInstance, runtime: McpRuntimeClient | null): void {
  app.get('/v1/mcp/servers', async () => {
    if (!runtime) return { object: 'list', data: [] };
    try {
      const servers = await runtime.servers();
      return { object: 'list', data: servers.map((s) => ({ object: 'mcp_server', server_label: s.label, transport: s.transport, available: s.available, error: s.error })) };
    } catch (err) {
      throw mapRuntimeError(err, null);
    }
  });

  app.get<{ Params: { label: string } }>('/v1/mcp/servers/:label/tools', async (request) => {
    const { label } = request.params;
    if (!runtime) throw notFound(`No built-in MCP server with label '${label}' (built-in MCP is not enabled).`, 'label', 'mcp_server_not_found');
    try {
      const tools = await runtime.source(label).listTools();
      return { object: 'list', server_label: label, data: tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.input_schema, annotations: t.annotations })) };
    } catch (err) {
      throw mapRuntimeError(err, label);
    }
  });
}
