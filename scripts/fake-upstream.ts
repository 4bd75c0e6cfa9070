/**
 * A tiny OpenAI-compatible model server for trying the gateway without a GPU:
 * `npm run fake-upstream -- --port 8000`. It answers every chat completion with
 * "You said: <your last message>", streaming word by word, and lists one model, `fake-model`.
 * Directives in a streaming request's last user message (`[[call NAME {json}]]`,
 * `[[reasoning TEXT]]`, `[[fail]]`) make it call tools, reason or fail (README: "Trying it
 * without a GPU"; implemented in test/support/fake-upstream.ts).
 * It also serves vLLM's `POST /tokenize` (a simple word count, see fakeTokenCount).
 */
import { startFakeUpstream } from '../test/support/fake-upstream.js';

const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 8000;
const lenArg = process.argv.indexOf('--max-model-len');
// --max-model-len N: list it in /v1/models and reject longer prompts as vLLM does (truncation demos).
const maxModelLen = lenArg > 0 ? Number(process.argv[lenArg + 1]) : undefined;
const upstream = await startFakeUpstream({ port, record: false, maxModelLen });
process.stdout.write(`fake upstream listening on ${upstream.url} (model: fake-model)\n`);
const stop = () => void upstream.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
