import { describe, expect, it } from 'vitest';
import { toRouteLabel } from './route-label.js';

describe('toRouteLabel', () => {
  it.each([
    ['/v1/responses', '/v1/responses'],
    ['/v1/responses/:response_id', '/v1/responses/{response_id}'],
    ['/v1/responses/:response_id/input_items', '/v1/responses/{response_id}/input_items'],
    ['/v1/mcp/servers/:label/tools', '/v1/mcp/servers/{label}/tools'],
    ['/files/:id(^\\d+)', '/files/{id}'],
    ['/range/:from-:to', '/range/{from}-{to}'],
    ['/*', '/*'],
  ])('%s -> %s', (input, expected) => {
    expect(toRouteLabel(input)).toBe(expected);
  });

  it('labels requests that matched no route as unmatched', () => {
    expect(toRouteLabel(undefined)).toBe('unmatched');
    expect(toRouteLabel(null)).toBe('unmatched');
    expect(toRouteLabel('')).toBe('unmatched');
  });
});
