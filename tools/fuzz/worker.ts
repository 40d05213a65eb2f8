import { readFileSync } from 'node:fs';
import { type ReaderName, runReader } from './readers.js';

/**
 * Fuzz worker (a child process): reads {id, reader, file, path} messages (the input's bytes are in
 * the file at path), runs the reader and answers {id, outcome, message, rss}. The parent kills it on
 * a hang or an RSS blow-up. A full GC after each input (--expose-gc) keeps the next input on reused
 * memory: without it a 3 MB input took ~4× longer on a loaded machine (fresh pages every time), and
 * the RSS seen for an input included the garbage of earlier ones.
 */
const gc = (globalThis as { gc?: () => void }).gc;
process.on('message', (msg: { id: number; reader: ReaderName; file: string; path: string }) => {
  void (async () => {
    const r = await runReader(msg.reader, new Uint8Array(readFileSync(msg.path)), msg.file);
    const rss = process.memoryUsage.rss();
    gc?.();
    process.send!({ id: msg.id, ...r, rss });
  })();
});
process.send!({ ready: true });
