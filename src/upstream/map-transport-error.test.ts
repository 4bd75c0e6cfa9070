import { errors } from 'undici';
import { describe, expect, it } from 'vitest';
import { ApiError, invalidRequest } from '../api/errors.js';
import { mapTransportError } from './map-transport-error.js';

describe('mapTransportError', () => {
  it('maps undici timeouts to 504', () => {
    for (const err of [new errors.ConnectTimeoutError(), new errors.HeadersTimeoutError(), new errors.BodyTimeoutError()]) {
      expect(mapTransportError(err)).toMatchObject({ status: 504, code: 'upstream_timeout' });
    }
  });

  it('maps socket-level failures to 502, including AggregateError from happy eyeballs', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(mapTransportError(refused)).toMatchObject({ status: 502, code: 'upstream_unavailable' });
    expect(mapTransportError(new AggregateError([refused]))).toMatchObject({ status: 502, message: expect.stringContaining('connection refused') });
    expect(mapTransportError(new errors.SocketError('other side closed'))).toMatchObject({ status: 502, code: 'upstream_unavailable' });
    expect(mapTransportError(Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }))).toMatchObject({ message: expect.stringContaining('host not found') });
  });

  it('passes ApiErrors through and returns the abort reason once the signal fired', () => {
    const api = invalidRequest('x');
    expect(mapTransportError(api)).toBe(api);
    const controller = new AbortController();
    controller.abort();
    const mapped = mapTransportError(new errors.SocketError('closed'), controller.signal);
    expect(mapped).toBe(controller.signal.reason);
    expect(mapped).not.toBeInstanceOf(ApiError);
    const abortErr = new errors.RequestAbortedError();
    expect(mapTransportError(abortErr)).toBe(abortErr);
  });
});
