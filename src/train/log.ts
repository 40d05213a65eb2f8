import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LogRecord } from './types.js';
import { writeFileAtomic } from '../formats/atomicFiles.js';

/**
 * log.jsonl: one JSON LogRecord per line, appended as training goes. A kill can leave a partial
 * last line; readers skip lines that do not parse.
 */

function isRecord(x: unknown): x is LogRecord {
  const r = x as LogRecord;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.kimg === 'number' &&
    typeof r.step === 'number' &&
    typeof r.values === 'object' &&
    r.values !== null
  );
}

/** Parses log.jsonl text; lines that are not complete records are skipped. */
export function parseLog(text: string): LogRecord[] {
  const out: LogRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line);
      if (isRecord(r)) out.push(r);
    } catch {
      // a line cut by a crash
    }
  }
  return out;
}

/** Reads a log file; an absent file is an empty log. */
export async function readLog(path: string): Promise<LogRecord[]> {
  try {
    return parseLog(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export interface OpenLogOptions {
  /**
   * Continue a resumed run: keep the records up to this step (what the checkpoint saw) and drop
   * later ones, which the resumed run will log again. Without it the log starts empty.
   */
  resumeStep?: number;
}

/** An append-only training log that also keeps its records in memory (for plots). */
export class TrainingLog {
  private constructor(
    readonly path: string,
    private readonly rows: LogRecord[],
  ) {}

  static async open(path: string, options: OpenLogOptions = {}): Promise<TrainingLog> {
    await mkdir(dirname(path), { recursive: true });
    const kept =
      options.resumeStep === undefined
        ? []
        : (await readLog(path)).filter((r) => r.step <= options.resumeStep!);
    await writeFileAtomic(path, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
    return new TrainingLog(path, kept);
  }

  get records(): readonly LogRecord[] {
    return this.rows;
  }

  async append(record: LogRecord): Promise<void> {
    this.rows.push(record);
    await appendFile(this.path, `${JSON.stringify(record)}\n`);
  }
}
