import { describe, expect, it } from 'vitest';
import { fetchPage, type Hop, type HopResponse } from './fetch-page.js';

const limits = { maxBytes: 64, timeoutMs: 2_000, maxRedirects: 2 };

function response(status: number, headers: Record<string, string>, body = ''): HopResponse {
  const chunks = body ? [Buffer.from(body)] : [];
  return { status, headers, body: (async function* () { yield* chunks; })(), discard: () => {} };
}

/** A scripted web: no sockets, so the checks between hops are what is tested. */
function scripted(routes: Record<string, HopResponse>): { hop: Hop; visited: string[] } {
  const visited: string[] = [];
  return {
    visited,
    hop: async (url) => {
      visited.push(url.toString());
      const r = routes[url.toString()];
      if (!r) throw new Error(`unexpected request to ${url.toString()}`);
      return r;
    },
  };
}

const signal = new AbortController().signal;

describe('fetchPage', () => {
  it('re-checks every redirect: a public page redirecting to loopback is refused (switch off)', async () => {
    const web = scripted({ 'https://public.example/': response(302, { location: 'http://127.0.0.1:8080/admin' }) });
    await expect(fetchPage('https://public.example/', { policy: { allowLoopback: false }, hop: web.hop, limits, signal })).rejects.toThrow(
      /refused to open http:\/\/127\.0\.0\.1:8080\/admin: 127\.0\.0\.1 is a loopback address/,
    );
    expect(web.visited).toEqual(['https://public.example/']);
  });

  it('refuses non-http schemes and credentials in URLs', async () => {
    const web = scripted({ 'https://public.example/': response(302, { location: 'file:///etc/passwd' }) });
    await expect(fetchPage('https://public.example/', { policy: { allowLoopback: false }, hop: web.hop, limits, signal })).rejects.toThrow(/only http and https/);
    await expect(fetchPage('http://u:p@public.example/', { policy: { allowLoopback: false }, hop: web.hop, limits, signal })).rejects.toThrow(/credentials/);
  });

  it('follows a bounded number of redirects', async () => {
    const loop = scripted({ 'https://a.example/': response(301, { location: '/' }) });
    await expect(fetchPage('https://a.example/', { policy: { allowLoopback: false }, hop: loop.hop, limits, signal })).rejects.toThrow(/too many redirects/);
    expect(loop.visited).toHaveLength(3);
  });

  it('caps the body and says so; refuses non-text content', async () => {
    const web = scripted({
      'https://a.example/': response(200, { 'content-type': 'text/html; charset=utf-8' }, 'x'.repeat(100)),
      'https://a.example/pic': response(200, { 'content-type': 'image/png' }, 'png'),
    });
    const page = await fetchPage('https://a.example/', { policy: { allowLoopback: false }, hop: web.hop, limits, signal });
    expect(page).toMatchObject({ url: 'https://a.example/', truncated: true });
    expect(page.body).toHaveLength(64);
    await expect(fetchPage('https://a.example/pic', { policy: { allowLoopback: false }, hop: web.hop, limits, signal })).rejects.toThrow(/image\/png, not a text page/);
  });
});
