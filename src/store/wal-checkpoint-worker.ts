import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import type { CheckpointReply } from './wal-checkpointer.ts';

/**
 * The checkpoint thread (src/store/wal-checkpointer.ts): its own connection to the database file,
 * one passive checkpoint per request.
 */
const port = parentPort!;
const db = new SQLite((workerData as { file: string }).file);
db.pragma('busy_timeout = 5000');
// A checkpoint syncs the database file before it marks frames copied, after which the WAL may start
// over: with synchronous=OFF here, a power cut could lose frames that were only in that file's cache.
db.pragma('synchronous = FULL');

port.on('message', (message: 'checkpoint' | 'close') => {
  if (message === 'close') {
    db.close();
    process.exit(0);
  }
  let reply: CheckpointReply;
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
    reply = { ok: true, walFrames: row?.log ?? 0, checkpointedFrames: row?.checkpointed ?? 0 };
  } catch (error) {
    reply = { ok: false, message: (error as Error).message };
  }
  port.postMessage(reply);
});
