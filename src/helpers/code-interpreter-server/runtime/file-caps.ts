// Caps on what Python writes into the runtime's in-memory file system (a container's files):
// total bytes and number of created entries. Writes past the cap fail with ENOSPC, which
// Python sees as `OSError: [Errno 28] No space left on device`; the runtime stays usable.
import type { FileCaps } from './protocol.js';

type Fn = (...args: any[]) => any;

interface FsLike {
  write: Fn;
  mknod: Fn;
  mkdir: Fn;
  unlink: Fn;
  lookupPath: Fn;
  ErrnoError: new (errno: number) => Error;
}

interface MemNode {
  usedBytes?: number;
}

/** Emscripten's (WASI) errno for "no space left on device". */
const ENOSPC = 51;

export function capFileSystem(fs: FsLike, caps: FileCaps): void {
  let bytes = 0;
  let entries = 0;
  const { write, mknod, mkdir, unlink } = fs;
  const full = () => new fs.ErrnoError(ENOSPC);
  fs.write = (stream: { node: MemNode; position: number; flags: number }, buffer: unknown, offset: number, length: number, position?: number, ...rest: unknown[]) => {
    const used = stream.node.usedBytes ?? 0;
    // O_APPEND (1024) writes at the end whatever the position says.
    const at = stream.flags & 1024 ? used : (position ?? stream.position);
    const growth = Math.max(0, at + length - used);
    if (growth > 0 && bytes + growth > caps.totalBytes) throw full();
    const written = write.call(fs, stream, buffer, offset, length, position, ...rest) as number;
    bytes += Math.max(0, (stream.node.usedBytes ?? used) - used);
    return written;
  };
  const counted = (create: Fn) =>
    (...args: unknown[]) => {
      if (entries >= caps.count) throw full();
      const node = create.apply(fs, args) as unknown;
      entries++;
      return node;
    };
  fs.mknod = counted(mknod);
  fs.mkdir = counted(mkdir);
  fs.unlink = (path: string) => {
    let freed = 0;
    try {
      freed = (fs.lookupPath(path).node as MemNode).usedBytes ?? 0;
    } catch {
      // unlink reports the error itself
    }
    unlink.call(fs, path);
    bytes = Math.max(0, bytes - freed);
    entries = Math.max(0, entries - 1);
  };
}
