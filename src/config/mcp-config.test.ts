import { describe, expect, it } from 'vitest';
import { parseMcpConfig } from './mcp-config.js';

describe('parseMcpConfig', () => {
  it('accepts URL and stdio entries', () => {
    const cfg = parseMcpConfig({
      mcpServers: {
        docs: { url: 'https://example.com/mcp', headers: { 'X-Key': 'k' } },
        legacy: { url: 'http://127.0.0.1:9/sse', transport: 'sse' },
        local: { command: 'node', args: ['server.js'], env: { A: '1' }, cwd: '/tmp', transport: 'stdio' },
      },
    });
    expect(cfg.get('docs')).toEqual({ kind: 'url', url: 'https://example.com/mcp', headers: { 'X-Key': 'k' }, transport: 'streamable-http' });
    expect(cfg.get('legacy')).toMatchObject({ kind: 'url', transport: 'sse' });
    expect(cfg.get('local')).toEqual({ kind: 'stdio', command: 'node', args: ['server.js'], env: { A: '1' }, cwd: '/tmp' });
  });

  it.each([
    [{}, /"mcpServers" object/],
    [{ mcpServers: [] }, /"mcpServers" object/],
    [{ mcpServers: {}, extra: 1 }, /unknown top-level/],
    [{ mcpServers: { a: { url: 'https://x', command: 'y' } } }, /both 'url' and 'command'/],
    [{ mcpServers: { a: { url: 'https://x', args: [] } } }, /mixes URL style/],
    [{ mcpServers: { a: { command: 'y', headers: {} } } }, /mixes stdio style/],
    [{ mcpServers: { a: { server: { url: 'https://x' } } } }, /nested entries are not supported/],
    [{ mcpServers: { a: { url: 'ftp://x' } } }, /must be http or https/],
    [{ mcpServers: { a: { url: 'https://x', transport: 'stdio' } } }, /'streamable-http' or 'sse'/],
    [{ mcpServers: { a: { command: 'y', transport: 'sse' } } }, /must be 'stdio'/],
    [{ mcpServers: { a: { command: 'y', args: [1] } } }, /args must be an array of strings/],
    [{ mcpServers: { 'bad label': { command: 'y' } } }, /letters, digits/],
  ])('rejects %j', (doc, message) => {
    expect(() => parseMcpConfig(doc)).toThrow(message);
  });
});
