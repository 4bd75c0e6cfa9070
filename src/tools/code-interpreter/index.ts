import { defineToolPlugin } from '../plugin.js';
import { createCodeInterpreterClient } from './client.js';
import { codeInterpreterSpec } from './spec.js';
import { createCodeInterpreterTool } from './tool.js';

/**
 * On whenever the supervisor runs (or reaches) the code interpreter helper: its flags belong to
 * the helper (`--code-interpreter*`, see supervisor/code-interpreter-helper.ts), and so does
 * its start-up line.
 */
export const codeInterpreterPlugin = defineToolPlugin({
  spec: codeInterpreterSpec,
  flags: [],
  readOptions: () => ({}),
  describe: () => null,
  create: ({ helpers }) => (helpers.codeInterpreterUrl ? createCodeInterpreterTool(createCodeInterpreterClient(helpers.codeInterpreterUrl)) : null),
});
