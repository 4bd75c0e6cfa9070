/**
 * The built-in MCP runtime process: `entry.js --config PATH --host 127.0.0.1 --port 5981`.
 * It connects to every configured server first (failures are reported, not fatal), then answers
 * on loopback; the supervisor's /health wait therefore means "start-up attempts are over".
 */
import { parseArgs } from 'node:util';
import { loadMcpConfig, McpConfigError } from '../../config/mcp-config.js';
import { exitWithParent } from '../exit-with-parent.js';
import { McpSessions } from './sessions.js';
import { startMcpRuntimeServer } from './server.js';

function seconds(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new McpConfigError(`${name} must be a positive number of seconds, got '${raw}'.`);
  return n;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '5981' } } });
  if (!values.config) throw new McpConfigError('--config PATH is required');
  const config = loadMcpConfig(values.config);
  const sessions = new McpSessions(config, {
    startupMs: seconds('VR_MCP_HOSTED_STARTUP_TIMEOUT_SEC', 10) * 1000,
    toolMs: seconds('VR_MCP_HOSTED_TOOL_TIMEOUT_SEC', 60) * 1000,
  });
  await sessions.start(log);
  const server = await startMcpRuntimeServer(sessions, values.host ?? '127.0.0.1', Number(values.port));
  log(`MCP runtime listening on http://${values.host}:${server.port} (${config.size} servers)`);
  const stop = () => {
    void (async () => {
      await server.close();
      await sessions.close();
      process.exit(0);
    })();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  exitWithParent(stop);
}

main().catch((err: unknown) => {
  log(`error: ${(err as Error).message}`);
  process.exit(2);
});
