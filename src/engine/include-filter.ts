import type { Item } from '../api/items.js';
import type { ResponseResource } from '../api/response-object.js';

/**
 * Some item fields are returned only when the request asked for them with `include`
 * (the model always sees them). This applies that rule to one item.
 */
export function filterItemForClient(item: Item, include: readonly string[]): Item {
  if (item.type === 'code_interpreter_call' && !include.includes('code_interpreter_call.outputs')) {
    return { ...item, outputs: null };
  }
  if (item.type === 'web_search_call') {
    // `model_output` is what the gateway told the model (kept for replay); never a client field.
    const { model_output: _told, ...rest } = item as typeof item & { model_output?: string };
    if (rest.action && 'sources' in rest.action && !include.includes('web_search_call.action.sources')) {
      const { sources: _sources, ...action } = rest.action;
      return { ...rest, action };
    }
    return rest;
  }
  return item;
}

export function filterOutputForClient(response: ResponseResource, include: readonly string[]): ResponseResource {
  return { ...response, output: response.output.map((item) => filterItemForClient(item, include)) };
}
