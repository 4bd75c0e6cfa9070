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

/**
 * The creation time leads the id (milliseconds, 12 hex digits, as OpenAI's ids lead with theirs
 * in seconds), the 192 random bits follow. Ids minted close together sort close together, so
 * the stores' id-keyed B-trees (the responses' primary key, the items clustered by response id,
 * the item-id index) take each new row next to the last one instead of on a random page: a
 * batch of 16 responses wrote 23 SQLite pages instead of 111. The time was no secret from
 * anyone holding the id (the response says `created_at`); unguessability is the random part's.
 */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${currentTimeHex()}${randomHex(ID_BYTES)}`;
}

/** A request mints several ids within one millisecond: the hex of the last one is reused. */
let lastMs = -1;
let lastHex = '';

function currentTimeHex(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastHex = timeHex(ms);
  }
  return lastHex;
}

/** Fixed width, so ids sort by time as strings (until the year 10889). */
export function timeHex(ms: number): string {
  return Math.floor(ms).toString(16).padStart(12, '0');
}

/** Every id the gateway hands out has this shape; anything else is rejected before a store lookup. */
export const ID_PATTERN = /^[a-z]{2,5}_[A-Za-z0-9_-]{1,200}$/;

export type IdGenerator = (prefix: IdPrefix) => string;
