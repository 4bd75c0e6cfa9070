import { randomBytes } from 'node:crypto';

/**
 * Ids are capabilities: anyone holding a response id can read and continue the
 * conversation, so every id carries 192 bits from the OS CSPRNG.
 */
export type IdPrefix =
  | 'resp' | 'msg' | 'fc' | 'call' | 'rs' | 'ci' | 'ws' | 'mcp' | 'mcpl' | 'mcpr' | 'fco' | 'cntr' | 'conv' | 'cmp'
  | 'ctc' | 'ctco' | 'lsh' | 'lsho' | 'sh' | 'sho' | 'apc' | 'apco';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBytes(24).toString('hex')}`;
}

/** Every id the gateway hands out has this shape; anything else is rejected before a store lookup. */
export const ID_PATTERN = /^[a-z]{2,5}_[A-Za-z0-9_-]{1,200}$/;

export type IdGenerator = (prefix: IdPrefix) => string;
