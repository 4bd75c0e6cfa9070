// Sandbox hardening inside a runtime worker thread. Python can reach any JS object that is
// reachable from `js`, `pyodide_js` or its proxies, so the JS side is the real boundary:
// - string code generation is disabled for the thread (the pool sets the V8 flag before
//   creating workers), so Python cannot compile new JS (`Function("return process")`);
// - Node-only capabilities still reachable as *properties* are removed or fenced below;
// - the worker runs with an empty `env`, and Pyodide gets its own empty environment.

/** Wraps WebAssembly.Memory#grow so the Python heap cannot exceed `limitBytes` (MemoryError instead). */
export function capWasmMemory(limitBytes: number): void {
  // lib "ES2023" has no WebAssembly typings; describe the one method we wrap.
  interface WasmMemory {
    buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  const wasm = (globalThis as unknown as { WebAssembly: { Memory: { prototype: WasmMemory } } }).WebAssembly;
  const proto = wasm.Memory.prototype;
  const grow = proto.grow;
  Object.defineProperty(proto, 'grow', {
    configurable: false,
    writable: false,
    value: function cappedGrow(this: WasmMemory, delta: number): number {
      if (this.buffer.byteLength + delta * 65536 > limitBytes) {
        // Emscripten's growMemory treats a throw as "cannot grow": malloc returns NULL.
        throw new RangeError('sandbox memory limit reached');
      }
      return grow.call(this, delta);
    },
  });
}

/** Whether this thread can compile JS from strings (it must not, for isolation). */
export function codegenBlocked(): boolean {
  try {
    new Function('return 1');
    return false;
  } catch {
    return true;
  }
}

type Dict = Record<string, unknown>;

/**
 * Removes host-reaching entry points from the loaded Pyodide instance: host file system
 * mounts (NODEFS, native FS), Node socket support, and file reads outside `allowedDirs`.
 */
export function fencePyodide(pyodide: Dict, allowedDirs: readonly string[]): void {
  const api = pyodide._api as Dict | undefined;
  const module = pyodide._module as Dict | undefined;
  const fs = (module?.FS ?? pyodide.FS) as Dict | undefined;
  const refuse = (what: string) => () => {
    throw new Error(`${what} is disabled in the sandbox`);
  };
  for (const name of ['mountNodeFS', 'mountNativeFS']) pyodide[name] = refuse(name);
  if (module) delete module.NODEFS;
  const filesystems = fs?.filesystems as Dict | undefined;
  if (filesystems) {
    delete filesystems.NODEFS;
    delete filesystems.NATIVEFS_ASYNC;
  }
  if (api) {
    api.initializeNodeSockFS = refuse('node sockets');
    const loadBinaryFile = api.loadBinaryFile as ((path: string, ...rest: unknown[]) => unknown) | undefined;
    if (typeof loadBinaryFile === 'function') {
      // Package loading reads wheels through this; keep it, but only inside allowed dirs.
      api.loadBinaryFile = (path: string, ...rest: unknown[]) => {
        const p = String(path).replace(/^file:\/\//, '');
        if (p.includes('..') || !allowedDirs.some((d) => p.startsWith(d))) {
          throw new Error(`reading ${p} is not allowed in the sandbox`);
        }
        return loadBinaryFile(path, ...rest);
      };
    }
  }
}

/** Deletes Node/network globals of this thread; Python's `js` module gets a curated object anyway. */
export function stripThreadGlobals(): void {
  const g = globalThis as Dict;
  for (const name of ['process', 'require', 'module', 'fetch', 'WebSocket', 'EventSource', 'XMLHttpRequest', 'BroadcastChannel', 'navigator']) {
    try {
      delete g[name];
    } catch {
      g[name] = undefined;
    }
  }
}
