/**
 * Sealed blobs: opaque strings the gateway hands to clients (a compaction item's
 * `encrypted_content`, a reasoning item's `encrypted_content`) and later accepts back. The client
 * can carry them (they work with `store: false`) but can neither read nor alter them.
 *
 * AES-256-GCM authenticated encryption. The purpose label ("compaction", "reasoning", ...) is
 * bound as associated data, so a blob sealed for one purpose never opens as another (a compaction
 * blob cannot be replayed as a reasoning blob). Encoding (base64url, no padding):
 *
 *   version (1 byte = 1) | key id (4 bytes) | IV (12 bytes) | ciphertext | tag (16 bytes)
 *
 * The key id (first 4 bytes of SHA-256 of the key) is not secret; it lets the gateway say
 * "sealed by another key" instead of a bare "tampered" when a deployment's key changed. The
 * version byte and key id are part of the associated data too, so neither can be swapped.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { invalidRequest, type ApiError } from '../api/errors.js';

export const SEALED_BLOB_VERSION = 1;
export const SEALING_KEY_BYTES = 32;
const KEY_ID_BYTES = 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES + IV_BYTES;
const AAD_PREFIX = 'vllm-responses/sealed-blob/';
/** What a blob may be sealed for. Adding a purpose is adding a label here. */
export type SealPurpose = 'compaction' | 'reasoning';

export class SealedBlobs {
  readonly #key: Buffer;
  readonly #keyId: Buffer;

  constructor(key: Buffer) {
    if (key.length !== SEALING_KEY_BYTES) throw new Error(`a sealing key has ${SEALING_KEY_BYTES} bytes, got ${key.length}`);
    this.#key = Buffer.from(key);
    this.#keyId = createHash('sha256').update(key).digest().subarray(0, KEY_ID_BYTES);
  }

  /** Short public fingerprint of the key (logs, start-up summary); reveals nothing of the key. */
  get keyId(): string {
    return this.#keyId.toString('hex');
  }

  /** Seal any JSON value. */
  seal(purpose: SealPurpose, value: unknown): string {
    const iv = randomBytes(IV_BYTES);
    const header = Buffer.concat([Buffer.from([SEALED_BLOB_VERSION]), this.#keyId, iv]);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(aad(purpose, header));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return Buffer.concat([header, body, cipher.getAuthTag()]).toString('base64url');
  }

  /**
   * Open a blob sealed for `purpose` by this key. Anything else (not a string, not base64url,
   * unknown version, another key, altered bytes, another purpose) throws a 400 naming `param`.
   */
  open(purpose: SealPurpose, blob: unknown, param: string): unknown {
    if (typeof blob !== 'string' || blob.length === 0 || !/^[A-Za-z0-9_-]+$/.test(blob)) {
      throw invalidBlob(param, 'it is not a sealed blob issued by this gateway');
    }
    const raw = Buffer.from(blob, 'base64url');
    if (raw.length < HEADER_BYTES + TAG_BYTES) throw invalidBlob(param, 'it is truncated');
    if (raw[0] !== SEALED_BLOB_VERSION) throw invalidBlob(param, `unknown format version ${raw[0]}`);
    if (!raw.subarray(1, 1 + KEY_ID_BYTES).equals(this.#keyId)) {
      throw invalidBlob(param, 'it was sealed by a different key (another deployment, or the key changed)');
    }
    const header = raw.subarray(0, HEADER_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(1 + KEY_ID_BYTES, HEADER_BYTES));
    decipher.setAAD(aad(purpose, header));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(raw.subarray(HEADER_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw invalidBlob(param, 'it was altered, or it was not issued for this field');
    }
    return JSON.parse(plain.toString('utf8')) as unknown;
  }
}

function aad(purpose: SealPurpose, header: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${AAD_PREFIX}${purpose}\0`, 'utf8'), header]);
}

function invalidBlob(param: string, why: string): ApiError {
  return invalidRequest(`Invalid '${param}': the encrypted content could not be verified: ${why}.`, param, 'invalid_encrypted_content');
}

/**
 * `VR_COMPACTION_KEY`: 32 random bytes as base64 / base64url (44 or 43 characters) or hex (64).
 * Anything else is refused at start-up: a passphrase would be a weak key.
 */
export function parseSealingKey(raw: string, name = 'VR_COMPACTION_KEY'): Buffer {
  const v = raw.trim();
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(v)) key = Buffer.from(v, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(v)) key = Buffer.from(v.replace(/=+$/, ''), 'base64url');
  if (!key || key.length !== SEALING_KEY_BYTES) {
    throw new Error(`invalid ${name}: expected ${SEALING_KEY_BYTES} random bytes as base64 or hex (e.g. \`openssl rand -base64 32\`)`);
  }
  return key;
}

export function generateSealingKey(): Buffer {
  return randomBytes(SEALING_KEY_BYTES);
}
