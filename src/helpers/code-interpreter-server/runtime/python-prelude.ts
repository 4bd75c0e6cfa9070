// Python code installed once per runtime. It defines `_vr_run`, which executes user code in
// fresh globals and returns a JSON summary, the `display_png` hook, matplotlib figure capture,
// and a urllib handler that sends HTTP(S) through the policy-checked bridge (`_vr_bridge`).
export const PYTHON_PRELUDE = String.raw`
import builtins, base64, io, json, os, sys, traceback
import urllib.request, urllib.error, urllib.response, email.message
from pyodide.code import eval_code_async
import _vr_bridge

# Emscripten puts the worker script path and interpreter flags here; they are not user env.
for _k in ("_", "PYTHONINSPECT"):
    os.environ.pop(_k, None)

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_images = []
_notes = []


def display_png(data):
    """Show PNG bytes as an image output of this call: display_png(png_bytes)."""
    if isinstance(data, memoryview):
        data = data.tobytes()
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("display_png() expects the bytes of a PNG image")
    data = bytes(data)
    if not data.startswith(_PNG_MAGIC):
        raise ValueError("display_png() data is not a PNG image (bad signature)")
    if len(_images) >= _vr_bridge.max_images:
        _notes.append(f"[image dropped: at most {_vr_bridge.max_images} images per call]")
        return
    if len(data) > _vr_bridge.image_bytes:
        _notes.append(f"[image dropped: {len(data)} bytes exceeds the {_vr_bridge.image_bytes}-byte limit]")
        return
    _images.append(data)


def _capture_matplotlib():
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return
    for num in plt.get_fignums():
        buf = io.BytesIO()
        plt.figure(num).savefig(buf, format="png")
        display_png(buf.getvalue())
    plt.close("all")


class _BridgeHandler(urllib.request.BaseHandler):
    handler_order = 100  # before the stock handlers, which cannot open sockets here

    def _open(self, req):
        data = req.data
        if data is not None and not isinstance(data, (bytes, bytearray)):
            data = b"".join(data) if not isinstance(data, str) else data.encode()
        headers = json.dumps(list(req.header_items()))
        r = _vr_bridge.http_sync(req.get_method(), req.full_url, headers, data)
        if not r.ok:
            raise urllib.error.URLError(r.error)
        msg = email.message.Message()
        for k, v in json.loads(r.headers):
            msg[k] = v
        resp = urllib.response.addinfourl(io.BytesIO(r.body.to_bytes()), msg, r.url, r.status)
        resp.msg = r.statusText
        return resp

    def http_open(self, req):
        return self._open(req)

    def https_open(self, req):
        return self._open(req)


urllib.request.install_opener(urllib.request.build_opener(_BridgeHandler))


def _user_traceback(e):
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != "<code>":
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(e), e, tb))


async def _vr_run(code):
    _images.clear()
    _notes.clear()
    g = {"__name__": "__main__", "__builtins__": builtins, "display_png": display_png}
    out = {"status": "success", "result": None, "error": None, "interrupted": False}
    try:
        value = await eval_code_async(code, g, filename="<code>")
        if value is not None:
            out["result"] = repr(value)
    except KeyboardInterrupt:
        out["status"] = "error"
        out["interrupted"] = True
    except BaseException as e:
        out["status"] = "exception"
        if isinstance(e, ModuleNotFoundError) and e.name and _vr_bridge.is_known_package(e.name.split(".")[0]):
            out["error"] = _user_traceback(e).rstrip("\n") + "\n" + _vr_bridge.missing_package_hint(e.name.split(".")[0])
        else:
            out["error"] = _user_traceback(e)
    try:
        _capture_matplotlib()
    except Exception as e:
        _notes.append(f"[matplotlib figure capture failed: {e}]")
    out["images"] = [base64.b64encode(b).decode("ascii") for b in _images]
    out["notes"] = list(_notes)
    g.clear()
    return json.dumps(out)
`;
