import { parseChoice, parseCount, parsePort, parseSeconds } from '../../config/serve-options.js';
import { defineToolPlugin } from '../plugin.js';
import { createCodeInterpreterClient } from './client.js';
import { codeInterpreterSpec } from './spec.js';
import { createCodeInterpreterTool } from './tool.js';

export type CodeInterpreterMode = 'spawn' | 'external' | 'disabled';
const MODES: readonly CodeInterpreterMode[] = ['spawn', 'external', 'disabled'];

/** The helper's flags (`supervisor/code-interpreter-helper.ts` starts it from these). */
export interface CodeInterpreterOptions {
  codeInterpreter: CodeInterpreterMode;
  codeInterpreterPort: number;
  codeInterpreterWorkers: number;
  codeInterpreterStartupTimeoutSec: number;
  codeInterpreterEgressPolicy: string | null;
}

const DEFAULTS = { mode: 'spawn', port: '5970', workers: '0', startupTimeoutSec: '600' } as const;

/**
 * On whenever the supervisor runs (or reaches) the code interpreter helper. The helper's flags
 * are this tool's; its start-up line is the helper's own (`code interpreter spawned at …`),
 * since only the started helper knows it.
 */
export const codeInterpreterPlugin = defineToolPlugin({
  spec: codeInterpreterSpec,
  flags: [
    { flag: 'code-interpreter', value: 'mode', description: 'code interpreter runtime policy: spawn, external or disabled', default: DEFAULTS.mode },
    { flag: 'code-interpreter-port', value: 'port', description: 'code interpreter helper port (loopback)', default: DEFAULTS.port },
    { flag: 'code-interpreter-workers', value: 'n', description: 'code interpreter calls run at once (one runtime process per container): 0 = default (2), N >= 1 = N', default: DEFAULTS.workers },
    { flag: 'code-interpreter-startup-timeout', value: 'seconds', description: 'code interpreter readiness timeout', default: DEFAULTS.startupTimeoutSec },
    { flag: 'code-interpreter-egress-policy', value: 'path', description: 'JSON egress policy for HTTP requests made by Python code' },
  ],
  env: [
    { name: 'VR_PYODIDE_CACHE_DIR', description: 'full Pyodide distribution for extra Python packages' },
    { name: 'VR_CODE_INTERPRETER_TOKEN', description: 'token shared with a --code-interpreter external helper' },
  ],
  readOptions: (raw): CodeInterpreterOptions => ({
    codeInterpreter: parseChoice('--code-interpreter', raw.codeInterpreter ?? DEFAULTS.mode, MODES),
    codeInterpreterPort: parsePort('--code-interpreter-port', raw.codeInterpreterPort ?? DEFAULTS.port),
    codeInterpreterWorkers: parseCount('--code-interpreter-workers', raw.codeInterpreterWorkers ?? DEFAULTS.workers, 0, 64),
    codeInterpreterStartupTimeoutSec: parseSeconds('--code-interpreter-startup-timeout', raw.codeInterpreterStartupTimeout ?? DEFAULTS.startupTimeoutSec),
    codeInterpreterEgressPolicy: raw.codeInterpreterEgressPolicy ?? null,
  }),
  describe: () => null,
  create: ({ helpers }) => (helpers.codeInterpreterUrl ? createCodeInterpreterTool(createCodeInterpreterClient(helpers.codeInterpreterUrl, helpers.codeInterpreterToken)) : null),
});
