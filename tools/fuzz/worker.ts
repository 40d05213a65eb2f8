import { type ReaderName, runReader } from './readers.js';

/**
 * Fuzz worker (a child process): reads {id, reader, file, bytes(base64)} messages, runs the reader
 * and answers {id, outcome, message, rss}. The parent kills it on a hang or an RSS blow-up.
 */
process.on('message', (msg: { id: number; reader: ReaderName; file: string; bytes: string }) => {
  void (async () => {
    const bytes = new Uint8Array(Buffer.from(msg.bytes, 'base64'));
    const r = await runReader(msg.reader, bytes, msg.file);
    process.send!({ id: msg.id, ...r, rss: process.memoryUsage.rss() });
  })();
});
process.send!({ ready: true });
