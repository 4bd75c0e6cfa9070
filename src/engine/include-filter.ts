import type { Item } from '../api/items.js';
import type { ResponseResource } from '../api/response-object.js';
import { allGatewayToolSpecs } from '../tools/catalog.js';

type ClientFilter = (item: Item, include: readonly string[]) => Item;

/** Built once: each item type's filter, from the tools that own those items. */
const filters = new Map<string, ClientFilter>(allGatewayToolSpecs.flatMap((s) => Object.entries(s.clientFilters ?? {})));

/**
 * Some item fields are returned only when the request asked for them with `include`
 * (the model always sees them). This applies that rule to one item.
 */
export function filterItemForClient(item: Item, include: readonly string[]): Item {
  const filter = filters.get(item.type);
  return filter ? filter(item, include) : item;
}

export function filterOutputForClient(response: ResponseResource, include: readonly string[]): ResponseResource {
  return { ...response, output: response.output.map((item) => filterItemForClient(item, include)) };
}
