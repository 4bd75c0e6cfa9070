#!/usr/bin/env node
import { Command, Option } from 'commander';
import { OptionError } from '../config/serve-options.js';
import { buildServeCommand } from './serve-command.js';

const program = new Command('vllm-responses')
  .description('A stateful OpenAI Responses API gateway in front of any OpenAI-compatible model server.')
  .showHelpAfterError()
  .addOption(new Option('-V, --version', 'print the version').hideHelp());

program.addCommand(buildServeCommand());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof OptionError) {
    process.stderr.write(`vllm-responses: error: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`vllm-responses: error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
