import { describe, expect, it } from 'vitest';
import { abortOnSignals } from './signals.js';

describe('abortOnSignals', () => {
  it('turns the first SIGINT into an abort without killing the process, and ignores a relayed repeat', async () => {
    const seen: string[] = [];
    const signals = abortOnSignals(['SIGINT'], (sig) => seen.push(sig));
    try {
      const aborted = new Promise((resolve) => signals.signal.addEventListener('abort', resolve));
      process.kill(process.pid, 'SIGINT');
      await aborted;
      expect(seen).toEqual(['SIGINT']);
      // Within the grace period a second SIGINT is the same Ctrl-C relayed by a launcher: no re-raise.
      process.kill(process.pid, 'SIGINT');
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(seen).toEqual(['SIGINT']);
    } finally {
      signals.dispose();
    }
    expect(process.listeners('SIGINT').length).toBe(0);
  });
});
