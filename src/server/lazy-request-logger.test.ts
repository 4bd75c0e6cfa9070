import { describe, expect, it, vi } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { createLogger } from '../observability/index.js';
import { lazyRequestLogger } from './lazy-request-logger.js';

function memoryLogger() {
  const lines: string[] = [];
  const logger = createLogger({ pretty: false, name: 'gateway', level: 'debug', destination: { write: (l: string) => void lines.push(l) } });
  return { logger: logger as unknown as FastifyBaseLogger, lines };
}

const withoutTime = (line: string) => line.replace(/"time":\d+,/, '');

describe('lazyRequestLogger', () => {
  it('creates no child until used, then writes what the child would', () => {
    const { logger, lines } = memoryLogger();
    const child = vi.spyOn(logger, 'child');
    const lazy = lazyRequestLogger(logger, { reqId: 'req_1' }, {});
    expect(child).not.toHaveBeenCalled();

    lazy.error({ err: new Error('boom'), status: 500 }, 'unhandled error');
    lazy.warn('plain %s', 'message');
    lazy.debug({ a: 1 });
    lazy.trace('below the level');
    expect(child).toHaveBeenCalledTimes(1);
    const viaLazy = lines.splice(0).map(withoutTime);

    const direct = logger.child({ reqId: 'req_1' }, {});
    direct.error({ err: new Error('boom'), status: 500 }, 'unhandled error');
    direct.warn('plain %s', 'message');
    direct.debug({ a: 1 });
    direct.trace('below the level');
    const viaChild = lines.splice(0).map(withoutTime);

    expect(viaLazy).toHaveLength(3);
    // The error stacks differ by their line numbers only.
    expect(viaLazy.map((l) => l.replace(/"stack":"[^"]*"/, ''))).toEqual(viaChild.map((l) => l.replace(/"stack":"[^"]*"/, '')));
    expect(JSON.parse(viaLazy[0]!)).toMatchObject({ reqId: 'req_1', name: 'gateway', msg: 'unhandled error' });
    expect(lazy.level).toBe('debug');
    expect(lazy.child({ more: 1 }).level).toBe('debug');
  });
});
