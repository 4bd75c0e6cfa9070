import { ApiError, notFound } from '../../api/errors.js';
import type { Item } from '../../api/items.js';
import type { CodeInterpreterCallItem, CodeInterpreterOutput } from './items.js';
import type { RequestTool } from '../../api/request-schema.js';
import type { ModelTool } from '../../upstream/types.js';
import type { CallPresenter, GatewayCall, GatewayTool, ToolPrepareContext, ToolPreparation, ToolRunContext } from '../types.js';
import { StringArgStream } from '../string-arg-stream.js';
import { CODE_INTERPRETER_FUNCTION } from './spec.js';
import type { CodeInterpreterClient, CodeInterpreterResult } from './client.js';


const MODEL_TOOL: ModelTool = {
  name: CODE_INTERPRETER_FUNCTION,
  description:
    'Execute Python code in a sandboxed Python (Pyodide) environment and return what it printed, ' +
    'any error traceback, and the value of the final expression. Each call starts with fresh globals; ' +
    'files written (e.g. under /tmp) stay available to later calls in this conversation. ' +
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

/** Which container a request's code runs in (decided in `prepare`, before any byte is sent). */
interface ContainerChoice {
  id: string;
  /** True for ids the gateway minted: the helper creates the container on first use. */
  create: boolean;
}

/** The container of the conversation's latest code_interpreter call (an `auto` chain's container). */
function chainContainer(history: readonly Item[]): string | null {
  for (let i = history.length - 1; i >= 0; i--) {
    const item = history[i]!;
    if (item.type === 'code_interpreter_call' && item.container_id) return item.container_id;
  }
  return null;
}

/**
 * `container: "cntr_…"` must be a live container of the caller's own (another key's is "not
 * found", never reachable). `container: {type: "auto"}` continues the conversation's container
 * while it is alive and the caller's, else gets a fresh one.
 */
async function chooseContainer(client: CodeInterpreterClient, entry: RequestTool, ctx: ToolPrepareContext): Promise<ContainerChoice> {
  const explicit = entry.type === 'code_interpreter' && typeof entry.container === 'string' ? entry.container : null;
  const unreachable = (err: unknown) => new ApiError(503, `The code interpreter is unavailable: ${(err as Error).message}`, 'server_error', ctx.param, 'code_interpreter_unavailable');
  if (explicit !== null) {
    const exists = await client.containerExists(explicit, ctx.principal).catch((err: unknown) => {
      throw unreachable(err);
    });
    if (!exists) throw notFound(`Container with id '${explicit}' not found.`, `${ctx.param}.container`, 'container_not_found');
    return { id: explicit, create: false };
  }
  const previous = chainContainer(ctx.history);
  if (previous && (await client.containerExists(previous, ctx.principal).catch(() => false))) return { id: previous, create: true };
  return { id: ctx.newId('cntr'), create: true };
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
    async prepare(entry, ctx): Promise<ToolPreparation> {
      return { state: await chooseContainer(client, entry, ctx) };
    },
    presenter(newId, _entry, state): CallPresenter {
      const stream = new StringArgStream('code');
      const container = state as ContainerChoice | undefined;
      return {
        createItem: (): CodeInterpreterCallItem => ({
          type: 'code_interpreter_call',
          id: newId('ci'),
          status: 'in_progress',
          code: '',
          container_id: container?.id ?? newId('cntr'),
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
      const container = (ctx.state as ContainerChoice | undefined) ?? { id: item.container_id, create: true };
      item.container_id = container.id;
      item.status = 'interpreting';
      ctx.sink.event('response.code_interpreter_call.interpreting', item);
      try {
        // The signal aborts the helper call when the client leaves: the helper then kills the run.
        const result = await client.execute(item.code ?? '', { signal: ctx.signal, containerId: container.id, principal: ctx.principal, create: container.create });
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

/**
 * The code from the complete arguments: the `code` property of a JSON object, or the raw text
 * when a model sent bare code instead of JSON (some small models do).
 */
function finalCode(args: string): string {
  try {
    const parsed: unknown = JSON.parse(args);
    if (parsed && typeof parsed === 'object' && typeof (parsed as { code?: unknown }).code === 'string') {
      return (parsed as { code: string }).code;
    }
    if (typeof parsed === 'string') return parsed;
  } catch {
    // not JSON: fall through
  }
  return args;
}
