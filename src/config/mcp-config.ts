/**
 * The built-in MCP servers file (`--mcp-config`): `{"mcpServers": {"<label>": entry}}`, where an
 * entry is URL style (`url`, `headers?`, `transport?: streamable-http|sse`) or stdio style
 * (`command`, `args?`, `env?`, `cwd?`, `transport?: stdio`). Parsed strictly: a mixed or nested
 * entry is an operator mistake, and failing at start-up beats a server that silently never works.
 * Read by both the supervisor (to fail before spawning anything) and the MCP runtime helper.
 */
import { readFileSync } from 'node:fs';

export interface UrlServerConfig {
  kind: 'url';
  url: string;
  headers: Record<string, string>;
  transport: 'streamable-http' | 'sse';
}

export interface StdioServerConfig {
  kind: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string | null;
}

export type McpServerConfig = UrlServerConfig | StdioServerConfig;

/** Label → server, in file order. */
export type McpServersConfig = Map<string, McpServerConfig>;

export class McpConfigError extends Error {}

const LABEL = /^[A-Za-z0-9_-]+$/;
const URL_KEYS = new Set(['url', 'headers', 'transport']);
const STDIO_KEYS = new Set(['command', 'args', 'env', 'cwd', 'transport']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(where: string, v: unknown): Record<string, string> {
  if (v === undefined) return {};
  if (!isObject(v) || !Object.values(v).every((x) => typeof x === 'string')) {
    throw new McpConfigError(`${where} must be an object of string values.`);
  }
  return v as Record<string, string>;
}

function parseUrlEntry(where: string, e: Record<string, unknown>): UrlServerConfig {
  const extra = Object.keys(e).filter((k) => !URL_KEYS.has(k));
  if (extra.length) throw new McpConfigError(`${where} mixes URL style ('url') with ${extra.map((k) => `'${k}'`).join(', ')}; use either url/headers/transport or command/args/env/cwd.`);
  if (typeof e.url !== 'string') throw new McpConfigError(`${where}.url must be a string.`);
  let url: URL;
  try {
    url = new URL(e.url);
  } catch {
    throw new McpConfigError(`${where}.url is not a valid URL: '${e.url}'.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new McpConfigError(`${where}.url must be http or https, got '${url.protocol}'.`);
  const transport = e.transport ?? 'streamable-http';
  if (transport !== 'streamable-http' && transport !== 'sse') {
    throw new McpConfigError(`${where}.transport must be 'streamable-http' or 'sse' for a URL server, got '${String(transport)}'.`);
  }
  return { kind: 'url', url: e.url, headers: stringMap(`${where}.headers`, e.headers), transport };
}

function parseStdioEntry(where: string, e: Record<string, unknown>): StdioServerConfig {
  const extra = Object.keys(e).filter((k) => !STDIO_KEYS.has(k));
  if (extra.length) throw new McpConfigError(`${where} mixes stdio style ('command') with ${extra.map((k) => `'${k}'`).join(', ')}; use either command/args/env/cwd or url/headers/transport.`);
  if (typeof e.command !== 'string' || !e.command.trim()) throw new McpConfigError(`${where}.command must be a non-empty string.`);
  if (e.transport !== undefined && e.transport !== 'stdio') throw new McpConfigError(`${where}.transport must be 'stdio' for a command server, got '${String(e.transport)}'.`);
  if (e.args !== undefined && !(Array.isArray(e.args) && e.args.every((a) => typeof a === 'string'))) throw new McpConfigError(`${where}.args must be an array of strings.`);
  if (e.cwd !== undefined && typeof e.cwd !== 'string') throw new McpConfigError(`${where}.cwd must be a string.`);
  return { kind: 'stdio', command: e.command, args: (e.args as string[] | undefined) ?? [], env: stringMap(`${where}.env`, e.env), cwd: (e.cwd as string | undefined) ?? null };
}

/** Validate an already-parsed JSON document. */
export function parseMcpConfig(doc: unknown): McpServersConfig {
  if (!isObject(doc) || !isObject(doc.mcpServers)) throw new McpConfigError('the MCP config must be a JSON object with an "mcpServers" object.');
  const extraTop = Object.keys(doc).filter((k) => k !== 'mcpServers');
  if (extraTop.length) throw new McpConfigError(`unknown top-level key(s) in the MCP config: ${extraTop.join(', ')}.`);
  const out: McpServersConfig = new Map();
  for (const [label, entry] of Object.entries(doc.mcpServers)) {
    const where = `mcpServers.${label}`;
    if (!LABEL.test(label)) throw new McpConfigError(`server label '${label}' may contain only letters, digits, underscores and dashes.`);
    if (!isObject(entry)) throw new McpConfigError(`${where} must be an object.`);
    const hasUrl = 'url' in entry;
    const hasCommand = 'command' in entry;
    if (hasUrl && hasCommand) throw new McpConfigError(`${where} has both 'url' and 'command'; an entry is either URL style or stdio style.`);
    if (!hasUrl && !hasCommand) {
      const nested = Object.values(entry).some(isObject) ? ' (nested entries are not supported; put url or command directly under the label)' : '';
      throw new McpConfigError(`${where} needs 'url' (URL style) or 'command' (stdio style)${nested}.`);
    }
    out.set(label, hasUrl ? parseUrlEntry(where, entry) : parseStdioEntry(where, entry));
  }
  return out;
}

/** Read and validate the file; every problem is an McpConfigError naming the file. */
export function loadMcpConfig(path: string): McpServersConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new McpConfigError(`cannot read the MCP config ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new McpConfigError(`the MCP config ${path} is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return parseMcpConfig(doc);
  } catch (err) {
    throw new McpConfigError(`invalid MCP config ${path}: ${(err as Error).message}`);
  }
}
