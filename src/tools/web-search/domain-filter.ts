/**
 * `filters.allowed_domains` of a `web_search` tool entry: searches are scoped to those domains
 * (`site:` operators, which both profiles' engines understand, and results outside them are
 * dropped) and pages outside them are not opened. A domain allows its subdomains.
 */
export function allowedDomains(filters: unknown): string[] | null {
  if (!filters || typeof filters !== 'object') return null;
  const raw = (filters as { allowed_domains?: unknown }).allowed_domains;
  if (!Array.isArray(raw)) return null;
  const domains = raw
    .filter((d): d is string => typeof d === 'string')
    .map((d) => d.trim().toLowerCase().replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '').replace(/^\.+|\.+$/g, ''))
    .filter(Boolean);
  return domains.length ? domains : null;
}

export function urlAllowed(url: string, domains: readonly string[] | null): boolean {
  if (!domains) return true;
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return false;
  }
  return domains.some((d) => host === d || host.endsWith(`.${d}`));
}

export function scopedQuery(query: string, domains: readonly string[] | null): string {
  if (!domains) return query;
  return `${query} ${domains.map((d) => `site:${d}`).join(' OR ')}`;
}
