// The sandbox is layered: with one layer switched off (test-only option), the other still
// refuses every host read. Each helper here runs the same attempts as the gateway attack test.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCodeInterpreterServer, type CodeInterpreterServer } from '../../src/helpers/code-interpreter-server/server.js';
import { readAttemptsCode } from './attacks.js';
import { runPython } from './http.js';

const CANARY = `layer-canary-${Math.random().toString(36).slice(2)}`;
let dir: string;
let permissionOnly: CodeInterpreterServer;
let jsOnly: CodeInterpreterServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vr-layers-'));
  writeFileSync(join(dir, 'canary.txt'), CANARY);
  process.env.VR_LAYER_TEST_SECRET = CANARY;
  const base = { port: 0, workers: 1, timeoutMs: 30_000, containers: { spares: 1 } };
  [permissionOnly, jsOnly] = await Promise.all([
    startCodeInterpreterServer({ ...base, unsafeDisableLayer: 'js-hardening' }),
    startCodeInterpreterServer({ ...base, unsafeDisableLayer: 'permission' }),
  ]);
}, 180_000);
afterAll(async () => {
  delete process.env.VR_LAYER_TEST_SECRET;
  await Promise.all([permissionOnly?.close(), jsOnly?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const DIRECT_LOADERS = (ps: string[]) => `
import pyodide_js
for p in ${JSON.stringify(ps)}:
    for name, fn in [("asyncLoad", lambda: pyodide_js._module.asyncLoad(p)), ("loadBinaryFile", lambda: pyodide_js._api.loadBinaryFile(p))]:
        try:
            v = fn()
            if hasattr(v, "__await__"):
                v = await v
            print(name, p, "GOT", str(v)[:80])
        except BaseException as e:
            print(name, p, "refused", type(e).__name__, str(e)[:200].replace("\\n", " "))
`;
const paths = () => ['/etc/passwd', '/proc/self/environ', join(dir, 'canary.txt')];
const leaks = (text: string) => ['root:x:0:0', CANARY, process.env.PATH ?? '/usr/bin:'].filter((s) => text.includes(s));

describe('sandbox layers hold one at a time', () => {
  it('without the JS hardening, the OS layers (permission model, empty env) refuse every loader', async () => {
    // Some loaders fail inside Emscripten callbacks and take the runtime down: a refusal too.
    const all = await runPython(permissionOnly, readAttemptsCode(paths()));
    expect(leaks(JSON.stringify(all))).toEqual([]);
    // The direct loaders are reachable here, and it is the permission model that refuses them.
    const direct = await runPython(permissionOnly, DIRECT_LOADERS(paths()));
    expect(leaks(JSON.stringify(direct))).toEqual([]);
    expect(direct.stdout).toMatch(/asyncLoad \/etc\/passwd refused .*(restricted|ERR_ACCESS_DENIED)/);
    expect(direct.stdout).toMatch(/loadBinaryFile \/proc\/self\/environ refused .*(restricted|ERR_ACCESS_DENIED)/);
    expect(direct.stdout).not.toContain(' GOT ');
  }, 120_000);

  it('without the permission model, the JS hardening leaves Python no loader to call', async () => {
    const r = await runPython(jsOnly, readAttemptsCode(paths()));
    expect(r.status).toBe('success');
    expect(leaks(r.stdout)).toEqual([]);
    expect(r.stdout).toMatch(/asyncLoad \/etc\/passwd: refused AttributeError/);
    expect(r.stdout).toMatch(/loadBinaryFile \/etc\/passwd: refused AttributeError/);
  }, 120_000);
});
