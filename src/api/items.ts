/**
 * The Responses item vocabulary the gateway stores, replays and emits.
 *
 * Input items are normalised into these shapes (ids assigned, string content expanded into
 * parts) so that the store, the upstream adapters and the composer all speak one language.
 * Shapes follow OpenAI's Responses API (what the official SDKs parse).
 */

export interface LogProbTop { token: string; logprob: number; bytes: number[] }
export interface LogProb extends LogProbTop { top_logprobs: LogProbTop[] }

export interface UrlCitation { type: 'url_citation'; url: string; title: string; start_index: number; end_index: number }
export type Annotation = UrlCitation;

export type ContentPart =
  | { type: 'input_text'; text: string }
  | { type: 'input_image'; image_url?: string | null; file_id?: string | null; detail: 'auto' | 'low' | 'high' }
  | { type: 'input_file'; file_data?: string; file_url?: string; filename?: string; file_id?: string | null }
  | { type: 'output_text'; text: string; annotations: Annotation[]; logprobs?: LogProb[] }
  | { type: 'refusal'; refusal: string };

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export interface MessageItem {
  type: 'message';
  id: string;
  role: 'user' | 'system' | 'developer' | 'assistant';
  status: ItemStatus;
  content: ContentPart[];
  phase?: 'commentary' | 'final_answer';
}

export interface ReasoningItem {
  type: 'reasoning';
  id: string;
  summary: { type: 'summary_text'; text: string }[];
  content?: { type: 'reasoning_text'; text: string }[];
  encrypted_content?: string | null;
  status?: ItemStatus;
}

export interface FunctionCallItem {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: ItemStatus;
  /** The `namespace` tool this function belongs to (the model saw `<namespace>__<name>`). */
  namespace?: string;
}

/** A call to a client `custom` tool: freeform (or grammar-constrained) text input. */
export interface CustomToolCallItem {
  type: 'custom_tool_call';
  id: string;
  call_id: string;
  name: string;
  input: string;
  status: ItemStatus;
  namespace?: string;
}

export interface CustomToolCallOutputItem {
  type: 'custom_tool_call_output';
  id: string;
  call_id: string;
  output: FunctionCallOutputContent;
  status: ItemStatus;
}

export interface LocalShellCallItem {
  type: 'local_shell_call';
  id: string;
  call_id: string;
  action: { type: 'exec'; command: string[]; env: Record<string, string>; timeout_ms?: number | null; user?: string | null; working_directory?: string | null };
  status: ItemStatus;
}

/** `id` names the call it answers (OpenAI's shape); `call_id` when the client sent one. */
export interface LocalShellCallOutputItem {
  type: 'local_shell_call_output';
  id: string;
  call_id?: string | null;
  output: string;
  status: ItemStatus;
}

export interface ShellCallItem {
  type: 'shell_call';
  id: string;
  call_id: string;
  action: { commands: string[]; timeout_ms?: number | null; max_output_length?: number | null };
  environment: unknown;
  status: ItemStatus;
}

export interface ShellCallOutputItem {
  type: 'shell_call_output';
  id: string;
  call_id: string;
  output: { stdout: string; stderr: string; outcome?: { type: 'exit'; exit_code: number } | { type: 'timeout' } }[];
  max_output_length?: number | null;
  status: ItemStatus;
}

export interface ApplyPatchCallItem {
  type: 'apply_patch_call';
  id: string;
  call_id: string;
  operation: { type: 'create_file' | 'update_file'; path: string; diff: string } | { type: 'delete_file'; path: string };
  status: 'in_progress' | 'completed';
}

export interface ApplyPatchCallOutputItem {
  type: 'apply_patch_call_output';
  id: string;
  call_id: string;
  status: 'completed' | 'failed';
  output?: string | null;
}

/** Calls the client executes and answers, and their answers (besides function calls). */
export type ClientToolItem =
  | CustomToolCallItem
  | CustomToolCallOutputItem
  | LocalShellCallItem
  | LocalShellCallOutputItem
  | ShellCallItem
  | ShellCallOutputItem
  | ApplyPatchCallItem
  | ApplyPatchCallOutputItem;

export type FunctionCallOutputContent =
  | string
  | ({ type: 'input_text'; text: string } | { type: 'input_image'; image_url?: string | null; detail?: string } | { type: 'input_file'; [k: string]: unknown })[];

export interface FunctionCallOutputItem {
  type: 'function_call_output';
  id: string;
  call_id: string;
  output: FunctionCallOutputContent;
  status: ItemStatus;
}

/**
 * Item types of gateway tools, by item type. Each tool declares its own in its folder
 * (`tools/<name>/items.ts` adds them to this interface by declaration merging), so a new tool
 * never edits this file.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface GatewayToolItems {}

export type GatewayToolItem = GatewayToolItems[keyof GatewayToolItems];

/** Compacted history (POST /v1/responses/compact, automatic compaction): an opaque sealed blob. */
export interface CompactionItem {
  type: 'compaction';
  id: string;
  encrypted_content: string;
}

export type Item = MessageItem | ReasoningItem | FunctionCallItem | FunctionCallOutputItem | CompactionItem | ClientToolItem | GatewayToolItem;

export type ItemType = Item['type'];
