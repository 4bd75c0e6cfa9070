import { z } from 'zod';

const output = z.union([z.object({ type: z.literal('logs'), logs: z.string() }), z.object({ type: z.literal('image'), url: z.string() })]);
export type CodeInterpreterOutput = z.infer<typeof output>;

/** A `code_interpreter_call` as clients send it back in `input` (what they received). */
export const codeInterpreterCallInput = z.object({
  type: z.literal('code_interpreter_call'),
  id: z.string(),
  code: z.string().nullable(),
  container_id: z.string().default(''),
  status: z.enum(['in_progress', 'interpreting', 'completed', 'incomplete', 'failed']).default('completed'),
  outputs: z.array(output).nullish(),
});

/** As stored and emitted: `outputs` is always present (null until the code ran). */
export type CodeInterpreterCallItem = Omit<z.output<typeof codeInterpreterCallInput>, 'outputs'> & { outputs: CodeInterpreterOutput[] | null };

declare module '../../api/items.js' {
  interface GatewayToolItems {
    code_interpreter_call: CodeInterpreterCallItem;
  }
}
