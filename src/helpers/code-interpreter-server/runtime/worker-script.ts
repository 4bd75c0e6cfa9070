// Where the runtime worker's entry file is. Compiled (dist/) it is the sibling .js file; when
// this module runs from TypeScript sources (tests, tsx), a small bootstrap registers tsx first.
export function resolveWorkerScript(): { url: URL } {
  const fromSources = import.meta.url.endsWith('.ts');
  return { url: new URL(fromSources ? './runtime-worker-dev.mjs' : './runtime-worker.js', import.meta.url) };
}
