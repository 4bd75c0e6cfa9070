import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import { generateSealingKey, parseSealingKey, SealedBlobs } from './sealed-blob.js';
import { loadSealingKey, sealingKeyFromEnv, type SecretStore } from './sealing-key.js';

const blobs = new SealedBlobs(generateSealingKey());

function rejection(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected a rejection');
}

describe('SealedBlobs', () => {
  it('round-trips JSON values and never shows the plaintext', () => {
    const value = { summary: 'secret plan ünïcødé', items: [{ type: 'message', role: 'user', content: 'x'.repeat(10_000) }] };
    const sealed = blobs.seal('compaction', value);
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('secret');
    expect(blobs.open('compaction', sealed, 'input[0].encrypted_content')).toEqual(value);
    // A fresh IV each time: the same value never seals to the same blob.
    expect(blobs.seal('compaction', value)).not.toBe(sealed);
  });

  it('binds the purpose: a compaction blob does not open as a reasoning blob', () => {
    const sealed = blobs.seal('compaction', { a: 1 });
    const err = rejection(() => blobs.open('reasoning', sealed, 'input[2].encrypted_content'));
    expect(err.status).toBe(400);
    expect(err.type).toBe('invalid_request_error');
    expect(err.param).toBe('input[2].encrypted_content');
  });

  it('rejects every single-bit change anywhere in the blob', () => {
    const raw = Buffer.from(blobs.seal('reasoning', { text: 'hello' }), 'base64url');
    for (let i = 0; i < raw.length; i++) {
      const tampered = Buffer.from(raw);
      tampered[i] = tampered[i]! ^ 0x01;
      const err = rejection(() => blobs.open('reasoning', tampered.toString('base64url'), 'p'));
      expect(err.status).toBe(400);
      expect(err.param).toBe('p');
    }
  });

  it('rejects a blob sealed by another key, saying so', () => {
    const other = new SealedBlobs(generateSealingKey());
    const err = rejection(() => blobs.open('compaction', other.seal('compaction', {}), 'encrypted_content'));
    expect(err.message).toMatch(/different key/);
  });

  it('rejects junk, truncation and unknown versions with a 400', () => {
    const sealed = blobs.seal('compaction', { a: 1 });
    const raw = Buffer.from(sealed, 'base64url');
    const v2 = Buffer.from(raw);
    v2[0] = 2;
    for (const junk of ['', 'not a blob!', 'gAAAAA', sealed.slice(0, 20), v2.toString('base64url'), 42, null, { a: 1 }]) {
      expect(rejection(() => blobs.open('compaction', junk, 'x')).status).toBe(400);
    }
  });
});

describe('sealing key', () => {
  it('parses 32-byte keys as base64, base64url or hex, and refuses anything else', () => {
    const key = generateSealingKey();
    expect(parseSealingKey(key.toString('base64')).equals(key)).toBe(true);
    expect(parseSealingKey(key.toString('base64url')).equals(key)).toBe(true);
    expect(parseSealingKey(key.toString('hex')).equals(key)).toBe(true);
    for (const bad of ['hunter2', 'a'.repeat(63), generateSealingKey().subarray(0, 16).toString('base64')]) {
      expect(() => parseSealingKey(bad)).toThrow(/VR_COMPACTION_KEY/);
    }
    expect(sealingKeyFromEnv({})).toBeNull();
    expect(sealingKeyFromEnv({ VR_COMPACTION_KEY: ' ' })).toBeNull();
  });

  it('prefers VR_COMPACTION_KEY, else the store, else a per-process key', async () => {
    const secrets = new Map<string, string>();
    const store: SecretStore = {
      getOrCreateSecret: async (name, create) => {
        if (!secrets.has(name)) secrets.set(name, create());
        return secrets.get(name)!;
      },
    };
    const envKey = generateSealingKey().toString('base64');
    const fromEnv = await loadSealingKey({ VR_COMPACTION_KEY: envKey }, store);
    expect(fromEnv.source).toBe('env');
    expect(secrets.size).toBe(0);

    const first = await loadSealingKey({}, store);
    const second = await loadSealingKey({}, store);
    expect(first.source).toBe('store');
    // Two processes sharing the store open each other's blobs.
    expect(second.blobs.open('compaction', first.blobs.seal('compaction', 'shared'), 'p')).toBe('shared');

    const warnings: string[] = [];
    const ephemeral = await loadSealingKey({}, null, { warn: (m) => warnings.push(m) });
    expect(ephemeral.source).toBe('ephemeral');
    expect(warnings[0]).toMatch(/do not survive a restart/);
  });
});
