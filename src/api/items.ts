/**
 * The Responses item vocabulary the gateway stores, replays and emits.
 *
 * Input items are normalised into these shapes (ids assigned, string content expanded into
 * parts) so that the store, the upstream adapters and the composer all speak one language.
 * Shapes follow OpenAI's Responses API (what the official SDKs parse). Each type is derived from
 * the zod schema that accepts the item as input (`api/request-schema.ts`, `tools/client/schemas.ts`,
 * each gateway tool's `items.ts`), plus what normalisation guarantees; only what the gateway
 * produces in more detail than it accepts (output_text annotations and logprobs, tool-built
 * function outputs) is written out here.
 */
import type { z } from 'zod';
import type * as client from '../tools/client/schemas.js';
import type * as core from './request-schema.js';

export interface LogProbTop { token: string; logprob: number; bytes: number[] }
export interface LogProb extends LogProbTop { top_logprobs: LogProbTop[] }

export interface UrlCitation { type: 'url_citation'; url: string; title: string; start_index: number; end_index: number }
export type Annotation = UrlCitation;

export type ContentPart =
  | z.output<typeof core.inputText>
  | z.output<typeof core.inputImage>
  | z.output<typeof core.inputFile>
  | { type: 'output_text'; text: string; annotations: Annotation[]; logprobs?: LogProb[] }
  | z.output<typeof core.refusal>;

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

/**
 * What normalisation guarantees over an item's accepted input shape: an id and a status
 * (stored and emitted items always carry both).
 */
type Normalised<T extends { id?: unknown; status?: unknown }, S = NonNullable<T['status']>> = Omit<T, 'id' | 'status'> & { id: string; status: S };

/** A message; string content is expanded into parts when it is normalised. */
export type MessageItem = Omit<Normalised<z.output<typeof core.messageItem>>, 'type' | 'content'> & { type: 'message'; content: ContentPart[] };

export type ReasoningItem = Omit<z.output<typeof core.reasoningItem>, 'id'> & { id: string };

export type FunctionCallItem = Normalised<z.output<typeof core.functionCallItem>>;

/** A call to a client `custom` tool: freeform (or grammar-constrained) text input. */
export type CustomToolCallItem = Normalised<z.output<typeof client.customToolCallItem>>;
export type CustomToolCallOutputItem = Normalised<z.output<typeof client.customToolCallOutputItem>>;
export type LocalShellCallItem = Normalised<z.output<typeof client.localShellCallItem>>;
/** `id` names the call it answers (OpenAI's shape); `call_id` when the client sent one. */
export type LocalShellCallOutputItem = Normalised<z.output<typeof client.localShellCallOutputItem>>;
export type ShellCallItem = Normalised<z.output<typeof client.shellCallItem>>;
export type ShellCallOutputItem = Normalised<z.output<typeof client.shellCallOutputItem>>;
export type ApplyPatchCallItem = Normalised<z.output<typeof client.applyPatchCallItem>>;
export type ApplyPatchCallOutputItem = Normalised<z.output<typeof client.applyPatchCallOutputItem>>;

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

/** `output` is wider than the accepted input: gateway-built outputs carry parts as tools produced them. */
export type FunctionCallOutputItem = Omit<Normalised<z.output<typeof core.functionCallOutputItem>>, 'output'> & { output: FunctionCallOutputContent };

/**
 * Item types of gateway tools, by item type. Each tool declares its own in its folder
 * (`tools/<name>/items.ts` adds them to this interface by declaration merging), so a new tool
 * never edits this file.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface GatewayToolItems {}

export type GatewayToolItem = GatewayToolItems[keyof GatewayToolItems];

/** Compacted history (POST /v1/responses/compact, automatic compaction): an opaque sealed blob. */
export type CompactionItem = Omit<z.output<typeof core.compactionItem>, 'id'> & { id: string };

export type Item = MessageItem | ReasoningItem | FunctionCallItem | FunctionCallOutputItem | CompactionItem | ClientToolItem | GatewayToolItem;

export type ItemType = Item['type'];
