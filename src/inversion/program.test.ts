import { describe, expect, it } from 'vitest';
import { isGlibc, withKeptPages } from '../runtime/mallocEnv.js';
import { projectionDropsArena } from './program.js';

describe('projection memory arena', () => {
  it('is dropped only from 512 px and only where malloc keeps freed pages (glibc started with the settings)', () => {
    const kept = withKeptPages({});
    expect(projectionDropsArena(1024, kept)).toBe(isGlibc());
    expect(projectionDropsArena(512, kept)).toBe(isGlibc());
    // small programs keep the arena (and the numerics every smaller projection was measured with)
    expect(projectionDropsArena(256, kept)).toBe(false);
    // without the settings each step would fault its activations in afresh: the arena stays
    expect(projectionDropsArena(1024, {})).toBe(false);
  });
});
