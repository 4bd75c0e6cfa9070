// Attacker code shared by the sandbox tests.

/** Every way found to make Pyodide/Emscripten read a host file, tried on each path. */
export function readAttemptsCode(paths: string[]): string {
  return `
import js, os, sys
out = []
def attempts(p):
    import pyodide_js
    yield "open", lambda: open(p, "rb").read()
    yield "asyncLoad", lambda: pyodide_js._module.asyncLoad(p)
    yield "readBinary", lambda: pyodide_js._module.readBinary(p)
    yield "FS_createPreloadedFile", lambda: pyodide_js._module.FS_createPreloadedFile("/tmp", "pre", p, True, False)
    yield "FS_createLazyFile", lambda: (pyodide_js._module.FS_createLazyFile("/tmp", "lazy", p, True, False), open("/tmp/lazy").read())
    yield "loadBinaryFile", lambda: pyodide_js._api.loadBinaryFile(p)
    yield "FS.readFile", lambda: pyodide_js.FS.readFile(p)
    yield "mountNodeFS", lambda: (pyodide_js.mountNodeFS("/mnt", os.path.dirname(p)), open("/mnt/" + os.path.basename(p)).read())
    yield "js.fetch", lambda: js.fetch("file://" + p)
    yield "urllib", lambda: __import__("urllib.request").request.urlopen("file://" + p).read()
    yield "js.process", lambda: js.process.binding("fs")
    yield "Function", lambda: js.Object.constructor("return process")().mainModule.require("fs").readFileSync(p, "utf8")
for p in ${JSON.stringify(paths)}:
    for name, fn in attempts(p):
        try:
            v = fn()
            if hasattr(v, "__await__"):
                v = await v
            if hasattr(v, "to_py"):
                v = v.to_py()
            out.append(f"{name} {p}: GOT {bytes(v)[:300] if isinstance(v, (bytes, bytearray, memoryview)) else str(v)[:300]!r}")
        except BaseException as e:
            out.append(f"{name} {p}: refused {type(e).__name__}")
out.append("ENV " + repr(dict(os.environ)))
print("\\n".join(out))
`;
}
