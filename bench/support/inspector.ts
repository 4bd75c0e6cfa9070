/**
 * Reads a bench child's memory through the V8 inspector (the child runs with
 * `--inspect=127.0.0.1:0`), so that the product needs no debug endpoint: a full garbage
 * collection, then `process.memoryUsage()` evaluated inside the child, and optionally a heap
 * snapshot written to a file for offline study (retained sizes by constructor).
 */
import { createWriteStream } from 'node:fs';
import WebSocket from 'ws';

/** The `ws://…` URL Node prints to stderr (`Debugger listening on ws://127.0.0.1:PORT/UUID`). */
export function inspectorUrlFrom(stderr: string): string | null {
  return /Debugger listening on (ws:\/\/\S+)/.exec(stderr)?.[1] ?? null;
}

export interface MemoryUsage {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface InspectorSession {
  /** Full GC, then the child's `process.memoryUsage()` (bytes). */
  memoryAfterGc(): Promise<MemoryUsage>;
  /** Writes a `.heapsnapshot` (it forces a GC first, as V8 always does for a snapshot). */
  heapSnapshot(path: string): Promise<void>;
  close(): void;
}

export async function connectInspector(url: string, timeoutMs = 10_000): Promise<InspectorSession> {
  const ws = new WebSocket(url, { maxPayload: 256 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`inspector ${url} did not answer in time`)), timeoutMs);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  const notifications = new Map<string, (params: any) => void>();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: unknown };
    if (msg.id !== undefined) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) p?.reject(new Error(msg.error.message));
      else p?.resolve(msg.result);
    } else if (msg.method) notifications.get(msg.method)?.(msg.params);
  });
  // Snapshots of a large heap take a while; a full GC of 1 GB too.
  const call = (method: string, params: object = {}, ms = 120_000): Promise<any> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`inspector ${method} timed out`));
      }, ms);
      pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      ws.send(JSON.stringify({ id, method, params }));
    });

  return {
    async memoryAfterGc() {
      await call('HeapProfiler.collectGarbage');
      await call('HeapProfiler.collectGarbage');
      const r = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
      return JSON.parse(String(r.result.value)) as MemoryUsage;
    },
    async heapSnapshot(path) {
      const out = createWriteStream(path);
      notifications.set('HeapProfiler.addHeapSnapshotChunk', (p: { chunk: string }) => out.write(p.chunk));
      try {
        await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, 300_000);
      } finally {
        notifications.delete('HeapProfiler.addHeapSnapshotChunk');
        await new Promise<void>((resolve) => out.end(resolve));
      }
    },
    close() {
      ws.close();
    },
  };
}
