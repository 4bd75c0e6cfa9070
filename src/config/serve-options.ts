/**
 * The typed topology of `vllm-responses serve` (and of `vllm serve --responses`): what the CLI
 * flags decide. Parsing is strict: a bad value is a clear error before anything starts.
 */
import type { GatewayToolOptions } from '../tools/catalog.js';
import type { Limits } from './limits.js';

export type UpstreamApiKind = 'chat_completions' | 'responses';

/**
 * Flags of the gateway itself; each gateway tool adds its own, including those of the helper
 * process serving it (tools/<name>/index.ts, listed in tools/catalog.ts).
 */
export interface CoreServeOptions {
  upstream: string;
  upstreamApiKind: UpstreamApiKind;
  upstreamReadyTimeoutSec: number;
  upstreamReadyIntervalSec: number;
  gatewayHost: string;
  gatewayPort: number;
  gatewayWorkers: number;
  /** Resource limits (config/limits.ts); omitted = the defaults. */
  limits?: Limits;
}

export type ServeOptions = CoreServeOptions & GatewayToolOptions;

export const SERVE_DEFAULTS = {
  upstreamApiKind: 'chat_completions',
  upstreamReadyTimeoutSec: 1800,
  upstreamReadyIntervalSec: 5,
  gatewayHost: '0.0.0.0',
  gatewayPort: 5969,
  gatewayWorkers: 1,
} as const;

export class OptionError extends Error {}

export function parsePort(flag: string, raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(n) || n < 1 || n > 65535) {
    throw new OptionError(`${flag} must be a port number between 1 and 65535, got '${raw}'.`);
  }
  return n;
}

export function parseSeconds(flag: string, raw: string, { allowZero = false } = {}): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    throw new OptionError(`${flag} must be a positive number of seconds, got '${raw}'.`);
  }
  return n;
}

export function parseCount(flag: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) {
    throw new OptionError(`${flag} must be an integer between ${min} and ${max}, got '${raw}'.`);
  }
  return n;
}

export function parseChoice<T extends string>(flag: string, raw: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(raw)) {
    throw new OptionError(`${flag} must be one of ${choices.join(', ')}; got '${raw}'.`);
  }
  return raw as T;
}

export function parseUpstreamUrl(raw: string | undefined): string {
  if (!raw || !raw.trim()) {
    throw new OptionError('no upstream configured: pass --upstream URL (for example --upstream http://127.0.0.1:8000/v1).');
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new OptionError(`--upstream must be an http(s) URL, got '${raw}'.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OptionError(`--upstream must be an http(s) URL, got '${raw}'.`);
  return raw.trim();
}
