import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// STYLE.md "Layers, one way": imports only point down. Peers within a rank may import each other.
const RANKS: Record<string, number> = {
  core: 0, formats: 1, graph: 2, onnx: 3, runtime: 4, optim: 5, nn: 6, models: 7,
  data: 8, latent: 8, inversion: 8, directions: 8, train: 8, metrics: 8, jobs: 9, cli: 10, studio: 10,
};
const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** Library source files (no tests, no browser app), with their relative imports; `runtime` drops type-only ones. */
function importGraph(runtimeOnly: boolean): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (relative(SRC, p) !== join('studio', 'web')) walk(p);
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) {
        const text = readFileSync(p, 'utf8');
        const deps: string[] = [];
        for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^;]*?\s+from\s+)?'(\.[^']+)\.js'/gms)) {
          if (runtimeOnly && m[1]) continue;
          deps.push(relative(SRC, normalize(join(dirname(p), `${m[2]}.ts`))));
        }
        graph.set(relative(SRC, p), deps);
      }
    }
  };
  walk(SRC);
  return graph;
}

describe('the house picture of src/', () => {
  it('has no import pointing up the layers', () => {
    const upward: string[] = [];
    for (const [file, deps] of importGraph(false)) {
      const from = RANKS[file.split('/')[0]];
      if (from === undefined) continue; // src/index.ts
      for (const d of deps) {
        const to = RANKS[d.split('/')[0]];
        if (to !== undefined && to > from) upward.push(`${file} -> ${d}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('lets cli/ and studio/ reach the library only through src/index.ts', () => {
    // Exceptions: the BullMQ pool's own entry (imported lazily so bullmq loads only when used) and
    // studio/shared, the type-only modules the browser app shares with the server (no node imports).
    const entries = new Set(['index.ts', 'jobs/queue/index.ts']);
    const deep: string[] = [];
    for (const [file, deps] of importGraph(false)) {
      const top = file.split('/')[0];
      if ((top !== 'cli' && top !== 'studio') || file.startsWith('studio/shared/')) continue;
      for (const d of deps) {
        const to = d.split('/')[0];
        if (to !== 'cli' && to !== 'studio' && !entries.has(d)) deep.push(`${file} -> ${d}`);
      }
    }
    expect(deep).toEqual([]);
  });

  it('has no runtime import circle outside graph/ (whose op registry circle is by design)', () => {
    const graph = importGraph(true);
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, path: string[]): void => {
      state.set(f, 'open');
      for (const d of graph.get(f) ?? []) {
        if (state.get(d) === 'open') {
          const loop = [...path.slice(path.indexOf(d)), f, d];
          if (!loop.every((x) => x.startsWith('graph/'))) circles.push(loop.join(' -> '));
        } else if (!state.has(d)) visit(d, [...path, f]);
      }
      state.set(f, 'done');
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f, []);
    expect(circles).toEqual([]);
  });
});
