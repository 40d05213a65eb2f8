import { type ReaderName, runReader } from './readers.js';

/**
 * Fuzz worker (a child process): reads {id, reader, file, bytes} messages (advanced serialization), runs the reader
 * and answers {id, outcome, message, rss}. The parent kills it on a hang or an RSS blow-up.
 */
process.on('message', (msg: { id: number; reader: ReaderName; file: string; bytes: Uint8Array }) => {
  void (async () => {
    const r = await runReader(msg.reader, msg.bytes, msg.file);
    process.send!({ id: msg.id, ...r, rss: process.memoryUsage.rss() });
  })();
});
process.send!({ ready: true });
