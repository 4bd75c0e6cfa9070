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
}

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

export type CodeInterpreterOutput = { type: 'logs'; logs: string } | { type: 'image'; url: string };

export interface CodeInterpreterCallItem {
  type: 'code_interpreter_call';
  id: string;
  status: 'in_progress' | 'interpreting' | 'completed' | 'incomplete' | 'failed';
  code: string | null;
  container_id: string;
  outputs: CodeInterpreterOutput[] | null;
}

export interface WebSearchCallItem {
  type: 'web_search_call';
  id: string;
  status: 'in_progress' | 'searching' | 'completed' | 'failed';
  action?: Record<string, unknown>;
}

export interface McpCallItem {
  type: 'mcp_call';
  id: string;
  server_label: string;
  name: string;
  arguments: string;
  output?: string | null;
  error?: string | null;
  status?: 'in_progress' | 'completed' | 'incomplete' | 'calling' | 'failed';
  approval_request_id?: string | null;
}

export interface McpListToolsItem {
  type: 'mcp_list_tools';
  id: string;
  server_label: string;
  tools: { name: string; description?: string | null; input_schema: unknown; annotations?: unknown }[];
  error?: string | null;
}

export interface McpApprovalRequestItem {
  type: 'mcp_approval_request';
  id: string;
  server_label: string;
  name: string;
  arguments: string;
}

export interface McpApprovalResponseItem {
  type: 'mcp_approval_response';
  id: string;
  approval_request_id: string;
  approve: boolean;
  reason?: string | null;
}

/** Compacted history (POST /v1/responses/compact, automatic compaction): an opaque sealed blob. */
export interface CompactionItem {
  type: 'compaction';
  id: string;
  encrypted_content: string;
}

export type Item =
  | CompactionItem
  | MessageItem
  | ReasoningItem
  | FunctionCallItem
  | FunctionCallOutputItem
  | CodeInterpreterCallItem
  | WebSearchCallItem
  | McpCallItem
  | McpListToolsItem
  | McpApprovalRequestItem
  | McpApprovalResponseItem;

export type ItemType = Item['type'];
