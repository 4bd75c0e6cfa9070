import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRealVllm, SKIP_ENV } from './find-real-vllm.js';

let root: string;
let self: string;
const dir = (name: string) => join(root, name);

function executable(path: string, text = '#!/bin/sh\nexit 0\n'): void {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'vr-find-vllm-'));
  for (const d of ['ours', 'wrapper', 'python', 'plain', 'noexec']) mkdirSync(dir(d));
  self = join(root, 'vllm.js');
  executable(self);
  symlinkSync(self, join(dir('ours'), 'vllm')); // how npm links our bin
  executable(join(dir('wrapper'), 'vllm')); // a shell wrapper of ours (pnpm style): real path differs
  executable(join(dir('python'), 'vllm'));
  writeFileSync(join(dir('noexec'), 'vllm'), 'not executable');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('findRealVllm', () => {
  it('skips our own bin (symlinked) and non-executables; picks the first other vllm', () => {
    const found = findRealVllm({ env: { PATH: [dir('noexec'), dir('ours'), dir('python')].join(delimiter) }, self: [self] });
    expect(found?.path).toBe(join(dir('python'), 'vllm'));
    expect(found?.env[SKIP_ENV]).toContain(join(dir('python'), 'vllm'));
  });

  it('skips candidates already tried by an outer run of ours, so a wrapper cannot loop', () => {
    const outer = findRealVllm({ env: { PATH: [dir('wrapper'), dir('python')].join(delimiter) }, self: [self] });
    expect(outer?.path).toBe(join(dir('wrapper'), 'vllm'));
    // The wrapper started us again, with the environment we gave it.
    const inner = findRealVllm({ env: outer!.env, self: [self] });
    expect(inner?.path).toBe(join(dir('python'), 'vllm'));
  });

  it('prefers VR_VLLM_BIN, but not when it points at us', () => {
    expect(findRealVllm({ env: { PATH: dir('python'), VR_VLLM_BIN: '/opt/vllm/bin/vllm' }, self: [self] })?.path).toBe('/opt/vllm/bin/vllm');
    expect(() => findRealVllm({ env: { VR_VLLM_BIN: join(dir('ours'), 'vllm') }, self: [self] })).toThrow(/points at this program/);
  });

  it('returns null when there is none', () => {
    expect(findRealVllm({ env: { PATH: [dir('ours'), dir('plain')].join(delimiter) }, self: [self] })).toBeNull();
  });
});
