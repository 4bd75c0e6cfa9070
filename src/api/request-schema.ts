import { z } from 'zod';
import { allGatewayToolSpecs, gatewayChoiceSchemas, gatewayEntrySchemas, gatewayItemSchemas } from '../tools/catalog.js';
import { clientToolChoiceSchemas, clientToolEntrySchemas, clientToolItemSchemas } from '../tools/client/schemas.js';

/**
 * The public `POST /v1/responses` request body. This schema is the single source of truth for
 * both validation and the request type. Top-level fields are strict (a typo is a 400 naming the
 * field); items accept extra fields because clients resend output items verbatim as input.
 */

const detail = z.enum(['auto', 'low', 'high']);

export const inputText = z.object({ type: z.literal('input_text'), text: z.string() });
export const inputImage = z.object({
  type: z.literal('input_image'),
  image_url: z.string().nullish(),
  file_id: z.string().nullish(),
  detail: detail.default('auto'),
});
export const inputFile = z.object({
  type: z.literal('input_file'),
  file_data: z.string().optional(),
  file_url: z.string().optional(),
  filename: z.string().optional(),
  file_id: z.string().nullish(),
});
const outputText = z.object({
  type: z.literal('output_text'),
  text: z.string(),
  annotations: z.array(z.any()).default([]),
  logprobs: z.array(z.any()).optional(),
});
export const refusal = z.object({ type: z.literal('refusal'), refusal: z.string() });

const contentPart = z.discriminatedUnion('type', [inputText, inputImage, inputFile, outputText, refusal]);

export const messageItem = z.object({
  type: z.literal('message').optional(),
  id: z.string().optional(),
  role: z.enum(['user', 'system', 'developer', 'assistant']),
  content: z.union([z.string(), z.array(contentPart)]),
  status: z.enum(['in_progress', 'completed', 'incomplete']).optional(),
  phase: z.enum(['commentary', 'final_answer']).nullish(),
});

export const functionCallItem = z.object({
  type: z.literal('function_call'),
  id: z.string().optional(),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
  status: z.enum(['in_progress', 'completed', 'incomplete']).optional(),
  namespace: z.string().nullish(),
});

export const functionCallOutputItem = z.object({
  type: z.literal('function_call_output'),
  id: z.string().nullish(),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(z.union([inputText, inputImage, inputFile]))]),
  status: z.enum(['in_progress', 'completed', 'incomplete']).nullish(),
});

export const reasoningItem = z.object({
  type: z.literal('reasoning'),
  id: z.string().optional(),
  summary: z.array(z.object({ type: z.literal('summary_text'), text: z.string() })).default([]),
  content: z.array(z.object({ type: z.literal('reasoning_text'), text: z.string() })).nullish(),
  encrypted_content: z.string().nullish(),
  status: z.enum(['in_progress', 'completed', 'incomplete']).nullish(),
});

const itemReference = z.object({ type: z.literal('item_reference'), id: z.string() });

export const compactionItem = z.object({
  type: z.literal('compaction'),
  id: z.string().nullish(),
  encrypted_content: z.string().min(1).max(10 * 1024 * 1024),
});

const typedItem = z.discriminatedUnion('type', [
  functionCallItem,
  functionCallOutputItem,
  reasoningItem,
  itemReference,
  compactionItem,
  ...clientToolItemSchemas,
  ...gatewayItemSchemas,
]);

/** Items with no `type` but a `role` are messages, as in OpenAI's API. */
export const inputItemSchema = z.union([messageItem, typedItem]);
export type InputItem = z.infer<typeof inputItemSchema>;

const jsonSchemaObject = z.record(z.string(), z.unknown());

const functionTool = z.object({
  type: z.literal('function'),
  name: z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:-]+$/, 'Function names may contain only letters, digits, underscores, dots, colons and dashes.'),
  description: z.string().nullish(),
  parameters: jsonSchemaObject.nullish(),
  strict: z.boolean().nullish(),
});

/** Client functions, then each gateway tool's own entry schema (from the tool catalog). */
export const toolSchema = z.discriminatedUnion('type', [functionTool, ...clientToolEntrySchemas, ...gatewayEntrySchemas]);
export type RequestTool = z.infer<typeof toolSchema>;

const functionRef = z.object({ type: z.literal('function'), name: z.string() });
const allowedToolRef = z.union([functionRef, ...clientToolChoiceSchemas, ...gatewayChoiceSchemas]);

export const toolChoiceSchema = z.union([
  z.enum(['auto', 'none', 'required']),
  functionRef,
  z.object({ type: z.literal('allowed_tools'), mode: z.enum(['auto', 'required']), tools: z.array(allowedToolRef) }),
  ...clientToolChoiceSchemas,
  ...gatewayChoiceSchemas,
]);
export type ToolChoice = z.infer<typeof toolChoiceSchema>;

const textFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    name: z.string().min(1).max(64),
    schema: jsonSchemaObject,
    strict: z.boolean().nullish(),
    description: z.string().nullish(),
  }),
]);

/** OpenAI's `include` values; each gateway tool adds its own (its spec's `includeValues`). */
export const INCLUDE_VALUES = [
  ...allGatewayToolSpecs.flatMap((s) => s.includeValues ?? []),
  'message.output_text.logprobs',
  'reasoning.encrypted_content',
  'message.input_image.image_url',
  'computer_call_output.output.image_url',
  'file_search_call.results',
];

export const metadataSchema = z
  .record(z.string().max(64, 'Metadata keys are at most 64 characters.'), z.string().max(512, 'Metadata values are at most 512 characters.'))
  .refine((m) => Object.keys(m).length <= 16, 'Metadata may have at most 16 key-value pairs.');

/** `conversation` on create: an id, or `{ id }`. */
export const conversationParamSchema = z.union([z.string(), z.object({ id: z.string() })]);
/**
 * Top-level fields OpenAI accepts that mean nothing to a self-hosted gateway: accepted (so
 * clients such as Codex, which always send `client_metadata`, work unchanged) and ignored.
 * Listed in the README ("Clients"); every other unknown field is still a 400 naming it.
 */
const ACCEPTED_AND_IGNORED = {
  /** Codex: session/turn ids for OpenAI's analytics. */
  client_metadata: z.record(z.string(), z.unknown()).nullish(),
  /** OpenAI prompt-cache tuning; the upstream's prefix cache has no such knob. */
  prompt_cache_options: z.record(z.string(), z.unknown()).nullish(),
  /** OpenAI moderation settings and domain-specific access programs. */
  moderation: z.unknown().optional(),
  access_programs: z.unknown().optional(),
  /**
   * OpenAI's image-context compression. Nothing here compresses image context, so a client that
   * requires it (`enabled`) is told so instead of silently not getting it.
   */
  image: z
    .object({ context_compression: z.enum(['auto', 'disabled'], { message: "image.context_compression 'enabled' is not supported: this gateway does not compress image context (use 'auto' or 'disabled')." }).optional() })
    .nullish(),
};

export const createResponseSchema = z.strictObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(inputItemSchema)]).optional(),
  instructions: z.string().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_obfuscation: z.boolean().optional() }).nullish(),
  previous_response_id: z.string().nullish(),
  conversation: conversationParamSchema.nullish(),
  store: z.boolean().nullish(),
  include: z.array(z.enum(INCLUDE_VALUES)).nullish(),
  tools: z.array(toolSchema).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  max_tool_calls: z.number().int().min(1).nullish(),
  max_output_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  reasoning: z
    .object({
      effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']).nullish(),
      summary: z.enum(['auto', 'concise', 'detailed']).nullish(),
      generate_summary: z.enum(['auto', 'concise', 'detailed']).nullish(),
    })
    .nullish(),
  text: z.object({ format: textFormat.optional(), verbosity: z.enum(['low', 'medium', 'high']).nullish() }).nullish(),
  truncation: z.enum(['auto', 'disabled']).nullish(),
  /** Automatic compaction: compact before the upstream call once the input reaches the threshold. */
  context_management: z
    .array(z.object({ type: z.literal('compaction'), compact_threshold: z.number().int().min(1).nullish() }))
    .max(1)
    .nullish(),
  metadata: metadataSchema.nullish(),
  user: z.string().max(512).nullish(),
  safety_identifier: z.string().max(512).nullish(),
  prompt_cache_key: z.string().max(1024).nullish(),
  prompt_cache_retention: z.string().nullish(),
  service_tier: z.enum(['auto', 'default', 'flex', 'scale', 'priority', 'fast', 'ultrafast']).nullish(),
  background: z.boolean().nullish(),
  ...ACCEPTED_AND_IGNORED,
});

export type CreateResponseRequest = z.infer<typeof createResponseSchema>;

/** The `type` values a discriminated union accepts, read from the schema itself (one source of truth). */
function discriminatorValues(union: { options: readonly { shape: { type: unknown } }[] }): ReadonlySet<string> {
  const out = new Set<string>();
  for (const option of union.options) {
    const values = (option.shape.type as { _zod?: { values?: Set<unknown> } })._zod?.values;
    for (const v of values ?? []) if (typeof v === 'string') out.add(v);
  }
  return out;
}

/** Supported `tools[].type`, `input[].type` and message content part types, for clear 400s. */
export const SUPPORTED_TYPES = {
  tool: discriminatorValues(toolSchema),
  item: new Set(['message', ...discriminatorValues(typedItem)]),
  contentPart: discriminatorValues(contentPart),
};
