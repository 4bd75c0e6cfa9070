/**
 * The SQLite store's writer thread (a `worker_threads` Worker started by sqlite-writer.ts).
 *
 * better-sqlite3 is synchronous: on the main thread every group-commit transaction — and every
 * wait for another process's write lock — would stop the event loop that serves all requests.
 * Here they stop only this thread. It has its own connection to the same file (WAL mode: the
 * main connection keeps reading while this one writes, and sees each transaction as soon as it
 * committed), receives batches of already-encoded records, writes each batch in one IMMEDIATE
 * transaction, and answers only after the commit, so an acknowledged write is durable.
 *
 * The schema is the main connection's business (it migrates before this thread starts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { createBatchWrite } from './sqlite-batch-write.js';
import { Checkpointer, noteWrites } from './sqlite-checkpointer.js';
import { applyWalPolicy } from './sqlite-wal.js';
import { withBusyRetrySync } from './sqlite-busy.js';
import { errorToWire, unpackRecords, type WriterConfig, type WriterReply, type WriterRequest } from './sqlite-writer-wire.js';

const port = parentPort!;
const { path, busyTimeoutMs, wal, writes: writesBuffer } = workerData as WriterConfig;
// Blocking in the busy handler is fine here: nothing else runs on this thread.
const db = new Database(path, { timeout: busyTimeoutMs });
// Per connection, as on the main one: a killed process loses nothing that committed.
db.pragma('synchronous = NORMAL');
applyWalPolicy(db, wal);
const write = createBatchWrite(db);
const writes = new Int32Array(writesBuffer);
const checkpointer = new Checkpointer(db, writes, wal, busyTimeoutMs, (err) => port.postMessage({ type: 'checkpoint_failed', error: errorToWire(err) } satisfies WriterReply));

port.on('message', (msg: WriterRequest) => {
  if (msg.type === 'close') {
    checkpointer.stop();
    db.close();
    port.close();
    return;
  }
  let reply: WriterReply;
  try {
    const records = unpackRecords(msg.records);
    const results = withBusyRetrySync(() => write(records), busyTimeoutMs);
    noteWrites(writes, records.length);
    reply = { type: 'done', id: msg.id, results: results.map((e) => (e ? errorToWire(e) : null)) };
  } catch (err) {
    reply = { type: 'failed', id: msg.id, error: errorToWire(err) };
  }
  port.postMessage(reply);
  // After the answer: the checkpoint delays the next batch, never this one's acknowledgement.
  checkpointer.afterBatch();
});
port.postMessage({ type: 'ready' } satisfies WriterReply);
