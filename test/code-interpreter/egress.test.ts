// Egress policy enforcement for Python HTTP, against local servers on 127.0.0.1.
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEgressPolicy } from '../../src/helpers/code-interpreter-server/egress-policy.js';
import { startCodeInterpreterServer, type CodeInterpreterServer } from '../../src/helpers/code-interpreter-server/server.js';
import { runPython, startTextServer } from './http.js';

let target: { port: number; server: Server };
let allowLoopback: CodeInterpreterServer;
let blockPrivate: CodeInterpreterServer;

beforeAll(async () => {
  target = await startTextServer('hello from loopback');
  [allowLoopback, blockPrivate] = await Promise.all([
    startCodeInterpreterServer({
      port: 0,
      workers: 0,
      timeoutMs: 10_000,
      egressPolicy: parseEgressPolicy({
        mode: 'allowlist',
        allowed_schemes: ['http'],
        block_ip_literals: false,
        block_private_networks: false,
        rules: [{ kind: 'host', value: '127.0.0.1' }],
      }),
    }),
    startCodeInterpreterServer({
      port: 0,
      workers: 0,
      timeoutMs: 10_000,
      egressPolicy: parseEgressPolicy({
        mode: 'allowlist',
        allowed_schemes: ['http'],
        block_ip_literals: false,
        block_private_networks: true,
        rules: [{ kind: 'host', value: '127.0.0.1' }],
      }),
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([allowLoopback?.close(), blockPrivate?.close()]);
  target?.server.close();
});

const urllibCode = (url: string) => `import urllib.request\nurllib.request.urlopen(${JSON.stringify(url)}).read().decode()`;
const pyfetchCode = (url: string) => `from pyodide.http import pyfetch\nr = await pyfetch(${JSON.stringify(url)})\nawait r.text()`;

describe('egress policy', () => {
  it('allows an allowlisted loopback host when private networks are not blocked (urllib and pyfetch)', async () => {
    const url = `http://127.0.0.1:${target.port}/`;
    expect(await runPython(allowLoopback.port, urllibCode(url))).toMatchObject({ status: 'success', result: "'hello from loopback'" });
    expect(await runPython(allowLoopback.port, pyfetchCode(url))).toMatchObject({ status: 'success', result: "'hello from loopback'" });
  });

  it('blocks hosts that are not on the allowlist', async () => {
    const r = await runPython(allowLoopback.port, urllibCode(`http://localhost:${target.port}/`));
    expect(r.status).toBe('exception');
    expect(r.error).toContain('egress blocked');
    expect(r.error).toContain('not on the allowlist');
  });

  it('blocks disallowed schemes', async () => {
    const r = await runPython(allowLoopback.port, urllibCode(`https://127.0.0.1:${target.port}/`));
    expect(r.status).toBe('exception');
    expect(r.error).toContain('scheme "https" is not allowed');
  });

  it('blocks loopback when block_private_networks is true, with a clear Python exception', async () => {
    const url = `http://127.0.0.1:${target.port}/`;
    const viaUrllib = await runPython(blockPrivate.port, urllibCode(url));
    expect(viaUrllib.status).toBe('exception');
    expect(viaUrllib.error).toContain('URLError');
    expect(viaUrllib.error).toContain('resolves to 127.0.0.1, a loopback address');
    const viaFetch = await runPython(blockPrivate.port, pyfetchCode(url));
    expect(viaFetch.status).toBe('exception');
    expect(viaFetch.error).toContain('egress blocked');
  });
});
