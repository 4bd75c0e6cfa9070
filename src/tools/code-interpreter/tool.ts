import type { IdGenerator } from '../../api/ids.js';
import type { Item } from '../../api/items.js';
import type { CodeInterpreterCallItem, CodeInterpreterOutput } from './items.js';
import type { RequestTool } from '../../api/request-schema.js';
import type { ModelTool } from '../../upstream/types.js';
import type { CallPresenter, GatewayCall, GatewayTool, ToolRunContext } from '../types.js';
import { CodeArgStream, finalCode } from './code-arg-stream.js';
import { CODE_INTERPRETER_FUNCTION } from './spec.js';
import type { CodeInterpreterClient, CodeInterpreterResult } from './client.js';


const MODEL_TOOL: ModelTool = {
  name: CODE_INTERPRETER_FUNCTION,
  description:
    'Execute Python code in a sandboxed Python (Pyodide) environment and return what it printed, ' +
    'any error traceback, and the value of the final expression. Each call starts with fresh globals. ' +
    'There is no network access unless the operator allows it, and no access to the host.',
  parameters: {
    type: 'object',
    properties: { code: { type: 'string', description: 'The Python code to run. Use print() to show results.' } },
    required: ['code'],
    additionalProperties: false,
  },
  strict: true,
};

/** What the model is told a run produced (also rebuilt from stored outputs on continuations). */
export function modelOutputFrom(outputs: CodeInterpreterOutput[] | null): string {
  const parts: string[] = [];
  let images = 0;
  for (const o of outputs ?? []) {
    if (o.type === 'logs') parts.push(o.logs);
    else images++;
  }
  if (images) parts.push(`[${images} image${images > 1 ? 's' : ''} produced]`);
  const text = parts.join('\n').trim();
  return text || '(the code ran and printed nothing)';
}

/** One `logs` output in the order a terminal would show it, then the images. */
function outputsFrom(result: CodeInterpreterResult): CodeInterpreterOutput[] {
  const logs = [result.stdout, result.stderr, result.status !== 'success' ? result.error ?? '' : '', result.result !== null && result.result !== undefined ? result.result : '']
    .filter((s) => s && s.length > 0)
    .map((s) => (s.endsWith('\n') ? s.slice(0, -1) : s))
    .join('\n');
  const out: CodeInterpreterOutput[] = [{ type: 'logs', logs }];
  for (const img of result.images ?? []) out.push({ type: 'image', url: img.url });
  return out;
}

/** The container the request named (`container: "cntr_…"`), else a fresh id for this call. */
function containerIdFor(entry: RequestTool | undefined, newId: IdGenerator): string {
  if (entry?.type === 'code_interpreter' && typeof entry.container === 'string') return entry.container;
  return newId('cntr');
}

/**
 * The built-in `code_interpreter`: the model sees a `code_interpreter(code)` function; the
 * gateway runs the code in the Pyodide helper and continues the conversation with the result.
 */
export function createCodeInterpreterTool(client: CodeInterpreterClient): GatewayTool {
  return {
    kind: 'code_interpreter',
    modelTools(): ModelTool[] {
      return [MODEL_TOOL];
    },
    owns(name) {
      return name === CODE_INTERPRETER_FUNCTION;
    },
    presenter(newId, entry): CallPresenter {
      const stream = new CodeArgStream();
      return {
        createItem: (): CodeInterpreterCallItem => ({
          type: 'code_interpreter_call',
          id: newId('ci'),
          status: 'in_progress',
          code: '',
          container_id: containerIdFor(entry, newId),
          outputs: null,
        }),
        added: (item, sink) => sink.event('response.code_interpreter_call.in_progress', item),
        argumentsDelta: (item, delta, sink) => {
          const text = stream.push(delta);
          if (!text) return;
          (item as CodeInterpreterCallItem).code += text;
          sink.event('response.code_interpreter_call_code.delta', item, { delta: text });
        },
        argumentsDone: (item, args, sink) => {
          const ci = item as CodeInterpreterCallItem;
          ci.code = finalCode(args);
          sink.event('response.code_interpreter_call_code.done', item, { code: ci.code });
          return false;
        },
      };
    },
    async run(_call: GatewayCall, ctx: ToolRunContext): Promise<void> {
      const item = ctx.item as CodeInterpreterCallItem;
      item.status = 'interpreting';
      ctx.sink.event('response.code_interpreter_call.interpreting', item);
      try {
        const result = await client.execute(item.code ?? '', { signal: ctx.signal });
        item.outputs = outputsFrom(result);
        item.status = 'completed';
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        item.outputs = [{ type: 'logs', logs: `Code interpreter error: ${(err as Error).message}` }];
        item.status = 'failed';
      }
      ctx.sink.event('response.code_interpreter_call.completed', item);
      ctx.sink.done(item);
    },
    toModelItems(item: Item): Item[] | null {
      if (item.type !== 'code_interpreter_call') return null;
      return [
        { type: 'function_call', id: `fc_${item.id}`, call_id: item.id, name: CODE_INTERPRETER_FUNCTION, arguments: JSON.stringify({ code: item.code ?? '' }), status: 'completed' },
        { type: 'function_call_output', id: `fco_${item.id}`, call_id: item.id, output: modelOutputFrom(item.outputs), status: 'completed' },
      ];
    },
  };
}
