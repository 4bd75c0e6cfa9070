import { randomBytes } from 'node:crypto';

/**
 * Ids are capabilities: anyone holding a response id can read and continue the
 * conversation, so every id carries 192 bits from the OS CSPRNG.
 */
/**
 * 2–5 lowercase letters (see ID_PATTERN): `resp`, `msg`, `fc`, `fco`, `rs`, `call`, `conv`, `cmp`, and each
 * gateway tool's own (`ci`, `ws`, `mcp`, …), which the tool picks in its folder.
 */
export type IdPrefix = string;

const ID_BYTES = 24;
/** Random bytes are drawn from the OS CSPRNG in blocks (one syscall per 256 ids, not per id). */
const POOL_IDS = 256;
let pool = Buffer.alloc(0);
let offset = 0;

/** `bytes` random bytes from the pool as lower-case hex. */
export function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    pool = randomBytes(Math.max(bytes, ID_BYTES * POOL_IDS));
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  // Each block of bytes is used once: wipe it so it never lingers in the pool after use.
  pool.fill(0, offset, offset + bytes);
  offset += bytes;
  return hex;
}

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomHex(ID_BYTES)}`;
}

/** Every id the gateway hands out has this shape; anything else is rejected before a store lookup. */
export const ID_PATTERN = /^[a-z]{2,5}_[A-Za-z0-9_-]{1,200}$/;

export type IdGenerator = (prefix: IdPrefix) => string;
