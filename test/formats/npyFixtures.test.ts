import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/formats/npy.js';
import { cases, FIXTURES, fixture, haveFixtures, manifest, sha256, stats } from './sharedFixtures.js';

describe.skipIf(!haveFixtures)('shared fixtures: every .npy file', () => {
  for (const c of haveFixtures ? cases() : []) {
    const m = manifest(c);
    const files = readdirSync(path.join(FIXTURES, c)).filter((f) => f.endsWith('.npy'));
    it(`${c}: ${files.length} arrays match their manifest shape, dtype, stats, and re-save byte-identically`, () => {
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) {
        const entry = m.files[f];
        const bytes = fixture(c, f);
        expect(sha256(bytes), f).toBe(entry.sha256);
        const t = readNpy(bytes, { file: f });
        expect(t.shape, f).toEqual(entry.shape);
        expect(t.dtype, f).toBe(entry.dtype);
        // numpy.save of what we read reproduces the file, so every value was read exactly.
        expect(sha256(writeNpy(t)), f).toBe(entry.sha256);
        if (entry.stats && t.size > 0) {
          const s = stats(t);
          const tol = 1e-5 * Math.max(1, Math.abs(entry.stats.max ?? 1), Math.abs(entry.stats.min ?? 1));
          expect(s.min, `${f} min`).toBe(entry.stats.min);
          expect(s.max, `${f} max`).toBe(entry.stats.max);
          expect(Math.abs(s.mean - (entry.stats.mean ?? 0)), `${f} mean`).toBeLessThan(tol);
          expect(Math.abs(s.std - (entry.stats.std ?? 0)), `${f} std`).toBeLessThan(tol);
        }
      }
    });
  }
});
