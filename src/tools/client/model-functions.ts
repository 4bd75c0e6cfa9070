/**
 * Client-executed tools as the model sees them, and back.
 *
 * A model behind a Chat Completions server only knows functions, so each client tool type is
 * shown as one (a `namespace` as several); when the model calls one, the client receives the
 * item of the tool's own type, and when the client sends that item (and its output) back, the
 * model sees the function call and result it made:
 *
 * | request tool | the model sees | the client receives | the client answers with |
 * |---|---|---|---|
 * | `namespace` N with function f | function `N__f` | `function_call` {name: f, namespace: N} | `function_call_output` |
 * | `custom` c (text / `lark` / `regex`) | function `c(input: string)`, the grammar in its description | `custom_tool_call` {name: c, input} | `custom_tool_call_output` |
 * | `local_shell` | function `local_shell(command[], workdir?, timeout_ms?)` | `local_shell_call` | `local_shell_call_output` |
 * | `shell` | function `shell(commands[], timeout_ms?)` | `shell_call` | `shell_call_output` |
 * | `apply_patch` | function `apply_patch(operation)` | `apply_patch_call` | `apply_patch_call_output` |
 */
import type { IdGenerator } from '../../api/ids.js';
import type { ApplyPatchCallItem, CustomToolCallItem, FunctionCallItem, FunctionCallOutputContent, Item, LocalShellCallItem, ShellCallItem } from '../../api/items.js';
import type { RequestTool } from '../../api/request-schema.js';
import type { ModelTool } from '../../upstream/types.js';
import { StringArgStream } from '../string-arg-stream.js';
import type { CallPresenter } from '../types.js';

type Entry<T extends string> = Extract<RequestTool, { type: T }>;
type CustomEntry = Entry<'custom'>;

/** Separates a namespace from its tool's name in the model-facing function name. */
export const NAMESPACE_SEPARATOR = '__';

export const CLIENT_TOOL_TYPES: ReadonlySet<string> = new Set(['custom', 'namespace', 'local_shell', 'shell', 'apply_patch']);

export function isClientToolEntry(entry: RequestTool): boolean {
  return CLIENT_TOOL_TYPES.has(entry.type);
}

/** The one string argument a custom tool's function takes. */
const CUSTOM_INPUT = 'input';

function customFunction(tool: CustomEntry | Extract<Entry<'namespace'>['tools'][number], { type: 'custom' }>, name: string): ModelTool {
  const format = tool.format;
  let how = `Call this tool with one argument, "${CUSTOM_INPUT}": the tool's raw input as one string (freeform text, not JSON).`;
  if (format?.type === 'grammar') {
    how += `\nThe input must match this ${format.syntax === 'lark' ? 'Lark grammar' : 'regular expression'} exactly:\n${format.definition}`;
  }
  return {
    name,
    description: tool.description ? `${tool.description}\n\n${how}` : how,
    parameters: { type: 'object', properties: { [CUSTOM_INPUT]: { type: 'string', description: 'The raw input.' } }, required: [CUSTOM_INPUT], additionalProperties: false },
    strict: null,
    custom: { description: tool.description ?? null, format: format ?? { type: 'text' } },
  };
}

const LOCAL_SHELL: ModelTool = {
  name: 'local_shell',
  description: "Run a command on the user's machine. Give the command as an argument vector.",
  parameters: {
    type: 'object',
    properties: {
      command: { type: 'array', items: { type: 'string' }, description: 'The command and its arguments, e.g. ["ls", "-la"].' },
      workdir: { type: 'string', description: 'Working directory.' },
      timeout_ms: { type: 'number', description: 'Timeout in milliseconds.' },
    },
    required: ['command'],
  },
  strict: null,
};

const SHELL: ModelTool = {
  name: 'shell',
  description: "Run shell commands on the user's machine, one after another.",
  parameters: {
    type: 'object',
    properties: {
      commands: { type: 'array', items: { type: 'string' }, description: 'Shell command lines to run in order.' },
      timeout_ms: { type: 'number', description: 'Timeout in milliseconds.' },
      max_output_length: { type: 'number', description: 'Most characters of output to return.' },
    },
    required: ['commands'],
  },
  strict: null,
};

const APPLY_PATCH: ModelTool = {
  name: 'apply_patch',
  description: 'Create, update or delete one file. For create_file and update_file, `diff` is the V4A diff of the change.',
  parameters: {
    type: 'object',
    properties: {
      operation: {
        type: 'object',
        properties: {
          type: { type: 'string', enum: ['create_file', 'update_file', 'delete_file'] },
          path: { type: 'string' },
          diff: { type: 'string' },
        },
        required: ['type', 'path'],
      },
    },
    required: ['operation'],
  },
  strict: null,
};

/** The functions the model sees for one client tool entry (empty for other entries). */
export function clientModelTools(entry: RequestTool): ModelTool[] {
  switch (entry.type) {
    case 'custom':
      return [customFunction(entry, entry.name)];
    case 'namespace':
      return entry.tools.map((t) => {
        const name = `${entry.name}${NAMESPACE_SEPARATOR}${t.name}`;
        if (t.type === 'custom') return customFunction(t, name);
        return { name, description: t.description ?? entry.description ?? null, parameters: t.parameters ?? null, strict: t.strict ?? null };
      });
    case 'local_shell':
      return [LOCAL_SHELL];
    case 'shell':
      return [SHELL];
    case 'apply_patch':
      return [APPLY_PATCH];
    default:
      return [];
  }
}

/** Does a client tool entry satisfy a `tool_choice` / `allowed_tools` reference? */
export function selectsClientTool(entry: RequestTool, ref: { type: string; name?: unknown }): boolean {
  if (ref.type === 'custom') return entry.type === 'custom' && entry.name === ref.name;
  return (ref.type === 'local_shell' || ref.type === 'shell' || ref.type === 'apply_patch') && entry.type === ref.type;
}

// ---- calls: model function → client item ---------------------------------------------------

function parseArgs(args: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(args);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The input from the complete arguments; a model that wrote the raw input instead of `{"input": …}` still gets through. */
function finalInput(args: string): string {
  try {
    const parsed: unknown = JSON.parse(args);
    if (typeof parsed === 'string') return parsed;
    if (parsed && typeof parsed === 'object' && typeof (parsed as Record<string, unknown>)[CUSTOM_INPUT] === 'string') return (parsed as Record<string, string>)[CUSTOM_INPUT]!;
  } catch {
    // not JSON: the raw text is the input
  }
  return args;
}

/** Custom tool input streams out of the `input` argument as the model writes it. */
function customPresenter(newId: IdGenerator, name: string, namespace: string | undefined): CallPresenter {
  const streams = new WeakMap<Item, StringArgStream>();
  return {
    createItem: (callId): CustomToolCallItem => ({ type: 'custom_tool_call', id: newId('ctc'), call_id: callId, name, input: '', status: 'in_progress', ...(namespace ? { namespace } : {}) }),
    argumentsDelta: (item, delta, sink) => {
      let stream = streams.get(item);
      if (!stream) streams.set(item, (stream = new StringArgStream(CUSTOM_INPUT)));
      const text = stream.push(delta);
      if (!text) return;
      (item as CustomToolCallItem).input += text;
      sink.event('response.custom_tool_call_input.delta', item, { delta: text });
    },
    argumentsDone: (item, args, sink) => {
      const call = item as CustomToolCallItem;
      call.input = finalInput(args);
      call.status = 'completed';
      sink.event('response.custom_tool_call_input.done', item, { input: call.input });
      return true;
    },
  };
}

/**
 * How a `function_call` item is written while the model writes the call: the composer's
 * presenter for client functions, and (with `as`) a namespaced function, whose item names the
 * function and its namespace instead of the flattened name the model used.
 */
export function functionCallPresenter(newId: IdGenerator, as?: { name: string; namespace: string }): CallPresenter {
  return {
    createItem: (callId, name): FunctionCallItem =>
      as
        ? { type: 'function_call', id: newId('fc'), call_id: callId, name: as.name, namespace: as.namespace, arguments: '', status: 'in_progress' }
        : { type: 'function_call', id: newId('fc'), call_id: callId, name, arguments: '', status: 'in_progress' },
    argumentsDelta: (item, delta, sink) => {
      (item as FunctionCallItem).arguments += delta;
      sink.event('response.function_call_arguments.delta', item, { delta });
    },
    argumentsDone: (item, args, sink) => {
      const fc = item as FunctionCallItem;
      fc.arguments = args;
      fc.status = 'completed';
      sink.event('response.function_call_arguments.done', item, { arguments: args });
      return true;
    },
  };
}

/** Shell and patch calls are complete only once their arguments are: announced, then finished whole. */
function structuredPresenter(create: (callId: string) => Item, fill: (item: Item, args: Record<string, unknown>) => void): CallPresenter {
  return {
    createItem: create,
    argumentsDelta: () => undefined,
    argumentsDone: (item, args) => {
      fill(item, parseArgs(args));
      return true;
    },
  };
}

/**
 * The presenter for a model-facing function name that belongs to a client tool of this
 * request, or null (plain functions and gateway tools have their own).
 */
export function clientPresenterFor(name: string, tools: readonly RequestTool[], newId: IdGenerator): CallPresenter | null {
  for (const entry of tools) {
    switch (entry.type) {
      case 'custom':
        if (entry.name === name) return customPresenter(newId, name, undefined);
        break;
      case 'namespace': {
        const prefix = `${entry.name}${NAMESPACE_SEPARATOR}`;
        if (!name.startsWith(prefix)) break;
        const inner = entry.tools.find((t) => t.name === name.slice(prefix.length));
        if (!inner) break;
        return inner.type === 'custom' ? customPresenter(newId, inner.name, entry.name) : functionCallPresenter(newId, { name: inner.name, namespace: entry.name });
      }
      case 'local_shell':
        if (name !== LOCAL_SHELL.name) break;
        return structuredPresenter(
          (callId): LocalShellCallItem => ({ type: 'local_shell_call', id: newId('lsh'), call_id: callId, action: { type: 'exec', command: [], env: {} }, status: 'in_progress' }),
          (item, a) => {
            const call = item as LocalShellCallItem;
            call.action = { type: 'exec', command: strings(a.command), env: {}, timeout_ms: num(a.timeout_ms), user: null, working_directory: typeof a.workdir === 'string' ? a.workdir : null };
            call.status = 'completed';
          },
        );
      case 'shell':
        if (name !== SHELL.name) break;
        return structuredPresenter(
          (callId): ShellCallItem => ({ type: 'shell_call', id: newId('sh'), call_id: callId, action: { commands: [] }, environment: null, status: 'in_progress' }),
          (item, a) => {
            const call = item as ShellCallItem;
            call.action = { commands: strings(a.commands), timeout_ms: num(a.timeout_ms), max_output_length: num(a.max_output_length) };
            call.status = 'completed';
          },
        );
      case 'apply_patch':
        if (name !== APPLY_PATCH.name) break;
        return structuredPresenter(
          (callId): ApplyPatchCallItem => ({ type: 'apply_patch_call', id: newId('apc'), call_id: callId, operation: { type: 'delete_file', path: '' }, status: 'in_progress' }),
          (item, a) => {
            const call = item as ApplyPatchCallItem;
            const op = (a.operation && typeof a.operation === 'object' ? a.operation : a) as Record<string, unknown>;
            const path = String(op.path ?? '');
            const type = op.type === 'create_file' || op.type === 'update_file' ? op.type : op.type === 'delete_file' ? 'delete_file' : 'update_file';
            call.operation = type === 'delete_file' ? { type, path } : { type, path, diff: String(op.diff ?? '') };
            call.status = 'completed';
          },
        );
      default:
        break;
    }
  }
  return null;
}

// ---- replay: client items → what the model made and was told --------------------------------

function outputContent(output: unknown): FunctionCallOutputContent {
  if (typeof output === 'string' || Array.isArray(output)) return output as FunctionCallOutputContent;
  return JSON.stringify(output);
}

function shellOutputText(item: Extract<Item, { type: 'shell_call_output' }>): string {
  return item.output
    .map((o) => {
      const outcome = o.outcome?.type === 'timeout' ? 'timed out' : o.outcome?.type === 'exit' ? `exit code ${o.outcome.exit_code}` : '';
      return [o.stdout, o.stderr ? `stderr:\n${o.stderr}` : '', outcome].filter(Boolean).join('\n');
    })
    .join('\n\n');
}

/**
 * A client-tool item as the model made or was told it: a `function_call` under the
 * model-facing name, or a `function_call_output`. Null for items that are not client-tool items.
 */
export function clientItemToModel(item: Item): Item[] | null {
  const call = (call_id: string, name: string, args: unknown): FunctionCallItem => ({
    type: 'function_call',
    id: item.id,
    call_id,
    name,
    arguments: typeof args === 'string' ? args : JSON.stringify(args),
    status: 'completed',
  });
  const result = (call_id: string, output: unknown): Item => ({ type: 'function_call_output', id: item.id, call_id, output: outputContent(output), status: 'completed' });
  switch (item.type) {
    case 'function_call':
      if (!item.namespace) return null;
      return [{ type: 'function_call', id: item.id, call_id: item.call_id, name: `${item.namespace}${NAMESPACE_SEPARATOR}${item.name}`, arguments: item.arguments, status: item.status }];
    case 'custom_tool_call':
      return [call(item.call_id, item.namespace ? `${item.namespace}${NAMESPACE_SEPARATOR}${item.name}` : item.name, { [CUSTOM_INPUT]: item.input })];
    case 'custom_tool_call_output':
      return [result(item.call_id, item.output)];
    case 'local_shell_call':
      return [call(item.call_id, LOCAL_SHELL.name, { command: item.action.command, ...(item.action.working_directory ? { workdir: item.action.working_directory } : {}), ...(item.action.timeout_ms ? { timeout_ms: item.action.timeout_ms } : {}) })];
    case 'local_shell_call_output':
      return [result(item.call_id ?? item.id, item.output)];
    case 'shell_call':
      return [call(item.call_id, SHELL.name, { commands: item.action.commands, ...(item.action.timeout_ms ? { timeout_ms: item.action.timeout_ms } : {}) })];
    case 'shell_call_output':
      return [result(item.call_id, shellOutputText(item))];
    case 'apply_patch_call':
      return [call(item.call_id, APPLY_PATCH.name, { operation: item.operation })];
    case 'apply_patch_call_output':
      return [result(item.call_id, `${item.status}${item.output ? `\n${item.output}` : ''}`)];
    default:
      return null;
  }
}

/** Client-tool calls and the outputs that answer them, by call id (for the pairing rules). */
export function clientCallId(item: Item): { role: 'call' | 'output'; callId: string } | null {
  switch (item.type) {
    case 'custom_tool_call':
    case 'local_shell_call':
    case 'shell_call':
    case 'apply_patch_call':
      return { role: 'call', callId: item.call_id };
    case 'custom_tool_call_output':
    case 'shell_call_output':
    case 'apply_patch_call_output':
      return { role: 'output', callId: item.call_id };
    case 'local_shell_call_output':
      return { role: 'output', callId: item.call_id ?? item.id };
    default:
      return null;
  }
}
