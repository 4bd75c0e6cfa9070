import { z } from 'zod';
import { codeInterpreterCallInput, type CodeInterpreterCallItem } from './items.js';
import { defineToolSpec } from '../spec.js';

/** The function the model calls; a client function may not take this name. */
export const CODE_INTERPRETER_FUNCTION = 'code_interpreter';

export const codeInterpreterEntrySchema = z.object({
  type: z.literal('code_interpreter'),
  container: z.union([z.string(), z.object({ type: z.literal('auto'), file_ids: z.array(z.string()).optional(), memory_limit: z.string().nullish() })]).optional(),
});
export type CodeInterpreterEntry = z.infer<typeof codeInterpreterEntrySchema>;

export const codeInterpreterSpec = defineToolSpec({
  kind: 'code_interpreter',
  omittableWhenOff: true,
  requestSchema: codeInterpreterEntrySchema,
  choiceSchema: z.object({ type: z.literal('code_interpreter') }),
  reservedFunctionName: (name) => (name === CODE_INTERPRETER_FUNCTION ? `Function name '${name}' is reserved for the gateway's built-in tool of that name.` : null),
  echo: (entry) => ({ type: 'code_interpreter', container: entry.container ?? { type: 'auto' } }),
  inputItems: [codeInterpreterCallInput],
  normalizeInput: {
    code_interpreter_call: (item) => ({ ...(item as CodeInterpreterCallItem), outputs: (item as CodeInterpreterCallItem).outputs ?? null }),
  },
  includeValues: ['code_interpreter_call.outputs'],
  clientFilters: {
    // The model always sees what the code printed; clients only when they asked for it.
    code_interpreter_call: (item, include) => (include.includes('code_interpreter_call.outputs') ? item : { ...(item as CodeInterpreterCallItem), outputs: null }),
  },
});
