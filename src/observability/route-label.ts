/**
 * Route labels for HTTP metrics and span names. Labels must be templates with bounded
 * cardinality: a raw path such as `/v1/responses/resp_123` would mint one time series per
 * response id and eventually take Prometheus down.
 */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Labels by route template: the metrics, the request log and the span each ask per request, and
 * an app has a few dozen routes (the bound only guards against a caller passing raw paths).
 */
const labels = new Map<string, string>();
const MAX_LABELS = 1024;

/**
 * Converts fastify's `request.routeOptions.url` (`/v1/responses/:response_id`) into the label
 * form docs/observability.md documents (`/v1/responses/{response_id}`). Regex constraints (`:id(^\\d+$)`) are
 * dropped, wildcards stay as `*`. `undefined` (no route matched: the 404 handler) gives
 * `'unmatched'`, never the raw path.
 */
export function toRouteLabel(fastifyUrl: string | undefined | null): string {
  if (fastifyUrl === undefined || fastifyUrl === null || fastifyUrl === '') return UNMATCHED_ROUTE;
  const known = labels.get(fastifyUrl);
  if (known !== undefined) return known;
  const label = fastifyUrl.replace(/:([A-Za-z0-9_]+)(\((?:\\.|[^)])*\))?/g, '{$1}');
  if (labels.size < MAX_LABELS) labels.set(fastifyUrl, label);
  return label;
}

