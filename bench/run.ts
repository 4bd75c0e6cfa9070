/**
 * Runs every bench section that exists and writes the combined markdown report to
 * bench/RESULTS.md (and prints it). `npm run bench` builds first, then runs this.
 *
 *   npx tsx bench/run.ts              # all sections, writes bench/RESULTS.md
 *   npx tsx bench/run.ts --no-write   # print only
 *
 * Sections owned by other modules are imported dynamically: a missing file or a section that
 * throws becomes a note in the report instead of failing the others.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isEntryPoint } from './support/script.js';

interface Section {
  title: string;
  /** Path relative to bench/. */
  file: string;
  exportName: string;
}

const SECTIONS: Section[] = [
  { title: 'Gateway overhead', file: 'gateway.ts', exportName: 'runGatewayBench' },
  { title: 'Store', file: 'store.ts', exportName: 'runStoreBench' },
  { title: 'Code interpreter', file: 'code-interpreter.ts', exportName: 'runCodeInterpreterBench' },
  { title: 'Code interpreter round through the gateway', file: 'code-interpreter-round.ts', exportName: 'runCodeInterpreterRoundBench' },
  { title: 'Live heap across repeated load', file: 'heap.ts', exportName: 'runHeapBench' },
  { title: 'Gateway workers and observability', file: 'workers.ts', exportName: 'runWorkersBench' },
  { title: 'Background runs and WebSocket mode', file: 'runs.ts', exportName: 'runRunsBench' },
  { title: 'Context management', file: 'context.ts', exportName: 'runContextBench' },
];

const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
/** Whole-run ceiling: whatever a section does, the process ends. */
const WATCHDOG_MS = 15 * 60_000;

function machineInfo(): string {
  const cpu = cpus();
  return [
    `- Date: ${new Date().toISOString()}`,
    `- CPU: ${cpu[0]?.model ?? 'unknown'} × ${cpu.length} logical cores`,
    `- Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- Node.js ${process.version} on ${process.platform} ${release()} (${process.arch})`,
    `- 1-minute load average at start: ${loadavg()[0]!.toFixed(2)}`,
  ].join('\n');
}

async function runSection(section: Section): Promise<string> {
  const url = new URL(`./${section.file}`, import.meta.url);
  if (!existsSync(fileURLToPath(url))) return `## ${section.title}\n\n_Skipped: \`bench/${section.file}\` is not in this checkout._\n`;
  const started = performance.now();
  try {
    const mod = (await import(url.href)) as Record<string, unknown>;
    const fn = mod[section.exportName];
    if (typeof fn !== 'function') return `## ${section.title}\n\n_Skipped: \`bench/${section.file}\` does not export \`${section.exportName}()\`._\n`;
    const md = String(await (fn as () => Promise<string>)());
    console.error(`[bench] ${section.title}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return md.endsWith('\n') ? md : `${md}\n`;
  } catch (err) {
    console.error(`[bench] ${section.title} failed:`, err);
    const message = err instanceof Error ? err.message : String(err);
    return `## ${section.title}\n\n_Failed: ${message.split('\n')[0]}_\n`;
  }
}

export async function runAll(): Promise<string> {
  const parts = ['# Benchmark results', '', 'Recorded by `npm run bench` (see bench/README.md for the method and what each number means).', '', machineInfo(), ''];
  for (const section of SECTIONS) {
    console.error(`[bench] ${section.title}…`);
    parts.push(await runSection(section));
  }
  return parts.join('\n');
}

if (isEntryPoint(import.meta.url)) {
  const watchdog = setTimeout(() => {
    console.error(`[bench] watchdog: still running after ${WATCHDOG_MS / 60_000} minutes; exiting`);
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();
  runAll().then(
    (report) => {
      if (!process.argv.includes('--no-write')) {
        writeFileSync(RESULTS, report);
        console.error(`[bench] wrote ${RESULTS}`);
      }
      console.log(report);
      // Sections stop their children themselves; exiting here also ends stray handles.
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
