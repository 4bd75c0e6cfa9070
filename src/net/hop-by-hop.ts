/**
 * The one definition of which HTTP header fields must not be forwarded from one connection to
 * the next. Every place that relays headers (the upstream client, the `/v1/models` and
 * `/v1/chat/completions` pass-through routes, the integrated-mode fallback proxy) filters
 * through `forwardableHeaders`, so they cannot disagree about it.
 */

/**
 * Hop-by-hop fields: RFC 9110 §7.6.1 names `Connection` and the fields it commonly nominates
 * (`Proxy-Connection`, `Keep-Alive`, `TE`, `Transfer-Encoding`, `Upgrade`); `Trailer`,
 * `Proxy-Authenticate` and `Proxy-Authorization` are the rest of RFC 2616 §13.5.1's list (they
 * describe the hop to a proxy, never the message). Names are lower case.
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'te',
  'transfer-encoding',
  'upgrade',
  'trailer',
  'proxy-authenticate',
  'proxy-authorization',
]);

/**
 * Fields of a forwarded REQUEST that belong to the next hop's own request rather than the
 * client's: `Host` names the server the client dialled (the next hop sets its own) and `Expect:
 * 100-continue` is a per-connection handshake (undici refuses to send it).
 */
export const REQUEST_ONLY_HEADERS: ReadonlySet<string> = new Set(['host', 'expect']);

type HeaderValue = string | string[] | number | undefined;

/**
 * The field names a `Connection` header nominates as hop-by-hop (`Connection: close, x-foo` →
 * `x-foo`); null when there is no such header (the gateway's own requests: no set to build).
 */
function connectionNominated(headers: Readonly<Record<string, HeaderValue>>): Set<string> | null {
  let out: Set<string> | null = null;
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined || name.toLowerCase() !== 'connection') continue;
    out ??= new Set<string>();
    for (const part of Array.isArray(value) ? value : [String(value)]) {
      for (const token of part.split(',')) {
        const t = token.trim().toLowerCase();
        if (t) out.add(t);
      }
    }
  }
  return out;
}

export interface ForwardableOptions {
  /** `request` also drops `REQUEST_ONLY_HEADERS`; `response` drops hop-by-hop fields only. */
  direction: 'request' | 'response';
  /** Further lower-case names this caller must not forward (e.g. a `content-length` it recomputes). */
  drop?: ReadonlySet<string>;
}

/**
 * A copy of `headers` without hop-by-hop fields: the fixed set, those the message's own
 * `Connection` header nominates, and (per `options`) request-only and caller-specific ones.
 * Name matching is case-insensitive; names and values are kept as given; undefined values go.
 */
export function forwardableHeaders<V extends HeaderValue>(headers: Readonly<Record<string, V>>, options: ForwardableOptions): Record<string, Exclude<V, undefined>> {
  const nominated = connectionNominated(headers);
  const out: Record<string, Exclude<V, undefined>> = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP_HEADERS.has(lower) || nominated?.has(lower)) continue;
    if (options.direction === 'request' && REQUEST_ONLY_HEADERS.has(lower)) continue;
    if (options.drop?.has(lower)) continue;
    out[name] = value as Exclude<V, undefined>;
  }
  return out;
}
