/**
 * Client-executed tool types beyond plain functions, as the public API spells them: the request
 * `tools[]` entries, the items their calls and results travel in, and the `tool_choice`s that
 * name them. The model only ever sees functions (`client/model-functions.ts`); the client sees
 * these types (Codex declares `namespace`, `custom`, `local_shell`/`shell`/`apply_patch`).
 */
import { z } from 'zod';

const jsonSchemaObject = z.record(z.string(), z.unknown());
const toolName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'Tool names may contain only letters, digits, underscores, dots, colons and dashes.');

/** Freeform input (`text`) or input constrained by a grammar (`lark` or `regex`). */
export const customToolFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('grammar'), syntax: z.enum(['lark', 'regex']), definition: z.string() }),
]);

export const customToolEntry = z.object({
  type: z.literal('custom'),
  name: toolName,
  description: z.string().nullish(),
  format: customToolFormat.nullish(),
});

const namespacedFunction = z.object({
  type: z.literal('function'),
  name: toolName,
  description: z.string().nullish(),
  parameters: jsonSchemaObject.nullish(),
  strict: z.boolean().nullish(),
});

/** A group of tools the model sees flattened as `<namespace>__<name>`. */
export const namespaceEntry = z.object({
  type: z.literal('namespace'),
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'Namespace names may contain only letters, digits, underscores and dashes.'),
  description: z.string().nullish(),
  tools: z.array(z.discriminatedUnion('type', [namespacedFunction, customToolEntry])),
});

export const localShellEntry = z.object({ type: z.literal('local_shell') });
export const shellEntry = z.object({ type: z.literal('shell'), environment: z.unknown().optional() });
export const applyPatchEntry = z.object({ type: z.literal('apply_patch') });

export const clientToolEntrySchemas = [customToolEntry, namespaceEntry, localShellEntry, shellEntry, applyPatchEntry] as const;

// ---- items ---------------------------------------------------------------------------------

const status = z.enum(['in_progress', 'completed', 'incomplete']);
const outputContent = z.union([z.string(), z.array(z.record(z.string(), z.unknown()))]);

export const customToolCallItem = z.object({
  type: z.literal('custom_tool_call'),
  id: z.string().optional(),
  call_id: z.string().min(1),
  name: z.string().min(1),
  input: z.string(),
  namespace: z.string().nullish(),
  status: status.nullish(),
});

export const customToolCallOutputItem = z.object({
  type: z.literal('custom_tool_call_output'),
  id: z.string().nullish(),
  call_id: z.string().min(1),
  output: outputContent,
  status: status.nullish(),
});

export const localShellCallItem = z.object({
  type: z.literal('local_shell_call'),
  id: z.string().optional(),
  call_id: z.string().min(1),
  action: z.object({
    type: z.literal('exec').default('exec'),
    command: z.array(z.string()),
    env: z.record(z.string(), z.string()).default({}),
    timeout_ms: z.number().nullish(),
    user: z.string().nullish(),
    working_directory: z.string().nullish(),
  }),
  status: status.nullish(),
});

/** OpenAI names the call this answers by `id`; `call_id` is accepted too. */
export const localShellCallOutputItem = z.object({
  type: z.literal('local_shell_call_output'),
  id: z.string().min(1),
  call_id: z.string().nullish(),
  output: z.string(),
  status: status.nullish(),
});

export const shellCallItem = z.object({
  type: z.literal('shell_call'),
  id: z.string().nullish(),
  call_id: z.string().min(1),
  action: z.object({ commands: z.array(z.string()), timeout_ms: z.number().nullish(), max_output_length: z.number().nullish() }),
  environment: z.unknown().optional(),
  status: status.nullish(),
});

const shellOutcome = z.union([z.object({ type: z.literal('exit'), exit_code: z.number() }), z.object({ type: z.literal('timeout') })]);

export const shellCallOutputItem = z.object({
  type: z.literal('shell_call_output'),
  id: z.string().nullish(),
  call_id: z.string().min(1),
  output: z.array(z.object({ stdout: z.string().default(''), stderr: z.string().default(''), outcome: shellOutcome.optional() })),
  max_output_length: z.number().nullish(),
  status: status.nullish(),
});

const patchOperation = z.discriminatedUnion('type', [
  z.object({ type: z.literal('create_file'), path: z.string(), diff: z.string() }),
  z.object({ type: z.literal('update_file'), path: z.string(), diff: z.string() }),
  z.object({ type: z.literal('delete_file'), path: z.string() }),
]);

export const applyPatchCallItem = z.object({
  type: z.literal('apply_patch_call'),
  id: z.string().nullish(),
  call_id: z.string().min(1),
  operation: patchOperation,
  status: z.enum(['in_progress', 'completed']).nullish(),
});

export const applyPatchCallOutputItem = z.object({
  type: z.literal('apply_patch_call_output'),
  id: z.string().nullish(),
  call_id: z.string().min(1),
  status: z.enum(['completed', 'failed']),
  output: z.string().nullish(),
});

export const clientToolItemSchemas = [
  customToolCallItem,
  customToolCallOutputItem,
  localShellCallItem,
  localShellCallOutputItem,
  shellCallItem,
  shellCallOutputItem,
  applyPatchCallItem,
  applyPatchCallOutputItem,
] as const;

// ---- tool_choice ---------------------------------------------------------------------------

export const customChoice = z.object({ type: z.literal('custom'), name: z.string() });
export const clientBuiltinChoice = z.object({ type: z.enum(['local_shell', 'shell', 'apply_patch']) });
export const clientToolChoiceSchemas = [customChoice, clientBuiltinChoice] as const;

export type PatchOperation = z.infer<typeof patchOperation>;
export type ShellOutcome = z.infer<typeof shellOutcome>;
