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

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBytes(24).toString('hex')}`;
}

/** Every id the gateway hands out has this shape; anything else is rejected before a store lookup. */
export const ID_PATTERN = /^[a-z]{2,5}_[A-Za-z0-9_-]{1,200}$/;

export type IdGenerator = (prefix: IdPrefix) => string;
