import type { Executable } from './compile.js';

/**
 * Compiled programs of one network, by key (shape and option set): each is compiled once, a failed
 * compile is forgotten so the next call retries, and `release` frees every session.
 */
export class ProgramCache {
  private readonly programs = new Map<string, Promise<Executable>>();

  get(key: string, make: () => Promise<Executable>): Promise<Executable> {
    let p = this.programs.get(key);
    if (!p) {
      p = make();
      this.programs.set(key, p);
      p.catch(() => this.programs.delete(key));
    }
    return p;
  }

  async release(): Promise<void> {
    const all = [...this.programs.values()];
    this.programs.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => null))?.release().catch(() => {})));
  }
}
