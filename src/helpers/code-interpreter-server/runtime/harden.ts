// In-process hardening of a runtime child: the JS layer of the sandbox. The OS layers (empty
// environment, Node's permission model, no network namespace, memory rlimit; see launch.ts)
// hold even if this layer is broken, and this layer holds even if one of those is missing.
// Python reaches JS only through the objects it is given, so the rule is: hand Python a
// minimal, curated surface and remove every loader that can read outside the runtime itself.

type Dict = Record<string, unknown>;

/**
 * Pyodide's loader calls process.binding('constants'), which the permission model refuses;
 * answer that one call from the public os/fs constants so Pyodide can start.
 */
export function patchProcessBinding(constants: { os: unknown; fs: unknown }): void {
  const proc = process as unknown as { binding: (name: string) => unknown };
  const original = proc.binding.bind(process);
  proc.binding = (name: string) => (name === 'constants' ? constants : original(name));
}

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

/** Whether this process can compile JS from strings (the launcher disables it). */
export function codegenBlocked(): boolean {
  try {
    new Function('return 1');
    return false;
  } catch {
    return true;
  }
}

/**
 * Error.prepareStackTrace receives call sites whose getThis()/getFunction() can hand out
 * objects Python was never given; pin it (and stackTraceLimit) so Python cannot install one.
 */
export function lockStackTraceHooks(): void {
  Object.defineProperty(Error, 'prepareStackTrace', { value: undefined, writable: false, configurable: false });
}

const refuse = (what: string) => () => {
  throw new Error(`${what} is disabled in the sandbox`);
};

/**
 * Removes every host-reaching entry point of the loaded Pyodide instance as a class: all
 * Emscripten file loaders (they read through Node's fs), host file system mounts, Node socket
 * support; the one reader package loading needs is fenced to `allowedDirs` (or removed when
 * there are no extra packages to load).
 */
export function fencePyodide(pyodide: Dict, allowedDirs: readonly string[]): void {
  const api = pyodide._api as Dict | undefined;
  const module = pyodide._module as Dict | undefined;
  const fs = (module?.FS ?? pyodide.FS) as Dict | undefined;
  for (const name of ['mountNodeFS', 'mountNativeFS']) pyodide[name] = refuse(name);
  if (module) {
    for (const name of ['asyncLoad', 'FS_createPreloadedFile', 'FS_createLazyFile', 'FS_createDataFile', 'readBinary', 'read_', 'readAsync']) {
      if (name in module) module[name] = refuse(`Module.${name}`);
    }
    delete module.NODEFS;
    delete module.NODERAWFS;
  }
  if (fs) {
    for (const name of ['createPreloadedFile', 'createLazyFile']) if (typeof fs[name] === 'function') fs[name] = refuse(`FS.${name}`);
    const mount = fs.mount as ((type: Dict, ...rest: unknown[]) => unknown) | undefined;
    const filesystems = fs.filesystems as Dict | undefined;
    const memfs = filesystems?.MEMFS;
    if (typeof mount === 'function') {
      // Only in-memory file systems may be mounted from now on.
      fs.mount = (type: Dict, ...rest: unknown[]) => {
        if (type !== memfs) throw new Error('only in-memory file systems can be mounted in the sandbox');
        return mount.call(fs, type, ...rest);
      };
    }
    if (filesystems) for (const name of Object.keys(filesystems)) if (name !== 'MEMFS') delete filesystems[name];
  }
  if (api) {
    api.initializeNodeSockFS = refuse('node sockets');
    delete api._nodeSock;
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

/**
 * What Python's `pyodide_js` becomes: the few members Pyodide's own Python modules import
 * (webloop, pyfetch, the package loader), copied onto a fresh object. The real API object,
 * with `_module`, `_api`, FS and every loader, is no longer reachable from Python.
 */
export function minimalPyodideJs(pyodide: Dict): Dict {
  const api = (pyodide._api ?? {}) as Dict;
  const config = (api.config ?? {}) as Dict;
  const safeConfig: Dict = {};
  for (const [k, v] of Object.entries(config)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) safeConfig[k] = v;
  // Plain (unfrozen) objects: Pyodide's import machinery sets submodule attributes on them.
  const safeApi: Dict = { config: safeConfig };
  for (const name of ['scheduleCallback', 'abortSignalAny']) {
    const fn = api[name];
    if (typeof fn === 'function') safeApi[name] = (...args: unknown[]) => (fn as (...a: unknown[]) => unknown)(...args);
  }
  return { version: pyodide.version, loadedPackages: { ...((pyodide.loadedPackages ?? {}) as Dict) }, _api: safeApi };
}

/** Python run once, after the swap: forget every cached reference to the real `pyodide_js`. */
export const PURGE_PYODIDE_JS = `
import sys
for _name in [n for n in sys.modules if n == "pyodide_js" or n.startswith("pyodide_js.")]:
    del sys.modules[_name]
del _name
`;

/** Deletes Node/network globals; Python's `js` module gets a curated object anyway. */
export function stripGlobals(): void {
  const g = globalThis as Dict;
  for (const name of ['process', 'require', 'module', 'fetch', 'WebSocket', 'EventSource', 'XMLHttpRequest', 'BroadcastChannel', 'navigator', 'global']) {
    try {
      delete g[name];
    } catch {
      g[name] = undefined;
    }
  }
}
