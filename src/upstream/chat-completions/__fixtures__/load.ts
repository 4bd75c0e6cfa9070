import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Raw text of a fixture in this directory (test support only). */
export function readFixture(name: string): string {
  return readFileSync(join(here, name), 'utf8');
}

/** The fixture as a byte stream cut into pieces of `size` bytes, to exercise reassembly. */
export async function* fixtureBytes(name: string, size = Number.POSITIVE_INFINITY): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(readFixture(name));
  const step = Number.isFinite(size) ? size : bytes.length;
  for (let i = 0; i < bytes.length; i += step) yield bytes.subarray(i, i + step);
}

/** Drain an iterable of items or item batches (the parser yields one batch per read) into one list. */
export async function collect<T>(iterable: AsyncIterable<T | T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) {
    if (Array.isArray(item)) out.push(...item);
    else out.push(item);
  }
  return out;
}
