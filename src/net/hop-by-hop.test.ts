import { describe, expect, it } from 'vitest';
import { forwardableHeaders, HOP_BY_HOP_HEADERS } from './hop-by-hop.js';

describe('forwardableHeaders', () => {
  it('drops every RFC 9110 §7.6.1 hop-by-hop field and keeps end-to-end ones', () => {
    const headers: Record<string, string> = { 'content-type': 'application/json', authorization: 'Bearer k', 'x-keep': '1' };
    for (const name of HOP_BY_HOP_HEADERS) headers[name] = 'v';
    expect(forwardableHeaders(headers, { direction: 'response' })).toEqual({ 'content-type': 'application/json', authorization: 'Bearer k', 'x-keep': '1' });
  });

  it('covers the fields the three forwarders used to list between them', () => {
    for (const name of ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']) {
      expect(HOP_BY_HOP_HEADERS.has(name)).toBe(true);
    }
  });

  it('drops the fields the Connection header nominates, case-insensitively and from a repeated header', () => {
    expect(forwardableHeaders({ connection: 'close, X-Private', 'x-private': '1', 'x-keep': '2', 'transfer-encoding': 'chunked' }, { direction: 'response' })).toEqual({ 'x-keep': '2' });
    expect(forwardableHeaders({ Connection: ['x-a', ' X-B ,'], 'X-A': '1', 'x-b': '2', 'x-c': '3' }, { direction: 'response' })).toEqual({ 'x-c': '3' });
  });

  it('matches names case-insensitively and keeps the caller’s spelling of what it forwards', () => {
    expect(forwardableHeaders({ 'Transfer-Encoding': 'chunked', 'Content-Type': 'text/plain' }, { direction: 'response' })).toEqual({ 'Content-Type': 'text/plain' });
  });

  it('drops Host and Expect from requests only', () => {
    const headers = { host: 'gateway:8000', expect: '100-continue', accept: '*/*' };
    expect(forwardableHeaders(headers, { direction: 'request' })).toEqual({ accept: '*/*' });
    expect(forwardableHeaders(headers, { direction: 'response' })).toEqual(headers);
  });

  it('drops caller-specific names and undefined values', () => {
    expect(forwardableHeaders({ 'Content-Length': '5', 'x-a': undefined, 'x-b': ['1', '2'] }, { direction: 'response', drop: new Set(['content-length']) })).toEqual({ 'x-b': ['1', '2'] });
  });
});
