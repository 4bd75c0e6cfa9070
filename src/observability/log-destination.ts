/**
 * Where the production logger's JSON lines go: stdout, in chunks of many lines, each chunk one
 * `process.stdout.write` — a direct write(2) from the event loop (Node writes a file or
 * /dev/null synchronously, and a pipe or socket through libuv, which writes at once when the
 * pipe has room and waits for it otherwise).
 *
 * Why not pino's asynchronous destination (sonic-boom): it writes through libuv's thread pool,
 * one write whenever none is in flight, which under load is one per few request lines, and each
 * hand-off to the thread pool (a cross-CPU wake-up) cost the event loop 20-80 µs on a small busy
 * VM — more than building the lines. Its `minLength` option gathers lines, but measures the whole
 * gathered text again for every line.
 *
 * - A chunk is written once it holds `chunkBytes` (default 4096 = PIPE_BUF), or `flushMs` (default
 *   100 ms) after a line arrived when the gateway is quiet: a line is never held longer than that.
 * - A chunk never splits a line and never exceeds PIPE_BUF bytes (unless one line alone does):
 *   the lines of gateway workers sharing one stdout pipe cannot interleave mid-line.
 * - Exiting writes what is still held, however the process exits (`process.exit` after a fatal
 *   line, a clean shutdown, a second signal, the event loop running out): nothing is lost.
 *   `flush()` writes at once too (shutdown and fatal paths call it).
 * - As with pino's destination, a reader that went away (EPIPE) ends logging quietly.
 */

/** POSIX guarantees that a pipe write of at most this many bytes is not interleaved with others. */
export const PIPE_BUF = 4096;
const DEFAULT_FLUSH_MS = 100;

/** What chunks are written to: `process.stdout`, or any writable stream. */
export interface ChunkSink {
  write(chunk: string, cb?: (err?: Error | null) => void): unknown;
  on?(event: 'error', listener: (err: NodeJS.ErrnoException) => void): unknown;
}

export interface ChunkedDestinationOptions {
  /** Largest chunk in UTF-8 bytes; default PIPE_BUF. */
  chunkBytes?: number;
  /** Longest a line waits on a quiet gateway; default 100 ms. */
  flushMs?: number;
}

const live = new Set<ChunkedDestination>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const destination of live) destination.flushSync();
  });
}

export class ChunkedDestination {
  readonly #sink: ChunkSink;
  readonly #chunkBytes: number;
  readonly #flushMs: number;
  /** The chunk being gathered, and its size in UTF-8 bytes. */
  #gathering = '';
  #gatheringBytes = 0;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(sink: ChunkSink, options: ChunkedDestinationOptions = {}) {
    this.#sink = sink;
    this.#chunkBytes = options.chunkBytes ?? PIPE_BUF;
    this.#flushMs = options.flushMs ?? DEFAULT_FLUSH_MS;
    sink.on?.('error', (err) => {
      if (err.code !== 'EPIPE') throw err;
      this.#close();
    });
    live.add(this);
    installExitHook();
  }

  write(line: string): boolean {
    if (this.#closed) return true;
    const bytes = Buffer.byteLength(line);
    if (this.#gatheringBytes + bytes > this.#chunkBytes) this.#writeGathered();
    this.#gathering += line;
    this.#gatheringBytes += bytes;
    if (this.#gatheringBytes >= this.#chunkBytes) this.#writeGathered();
    else this.#armTimer();
    return true;
  }

  /** Writes everything held now; `cb` runs once the sink has taken it. */
  flush(cb?: (err?: Error) => void): void {
    if (this.#closed || this.#gatheringBytes === 0) {
      cb?.();
      return;
    }
    const chunk = this.#take();
    this.#sink.write(chunk, cb ? (err) => cb(err ?? undefined) : undefined);
  }

  /** Writes everything held now (for `process.stdout`: synchronously to a file, at once to a pipe with room). */
  flushSync(): void {
    this.#writeGathered();
  }

  #take(): string {
    const chunk = this.#gathering;
    this.#gathering = '';
    this.#gatheringBytes = 0;
    return chunk;
  }

  #writeGathered(): void {
    if (this.#closed || this.#gatheringBytes === 0) return;
    this.#sink.write(this.#take());
  }

  #armTimer(): void {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#writeGathered();
    }, this.#flushMs);
    // Lines still held at exit are written by the exit hook: the timer keeps no process alive.
    this.#timer.unref();
  }

  #close(): void {
    this.#closed = true;
    this.#take();
    live.delete(this);
  }
}
