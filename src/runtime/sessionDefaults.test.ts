import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../core/errors.js';
import { sessionDefaults, sessionEnv, setSessionDefaults, threadsChosen } from './sessionDefaults.js';

describe('session defaults', () => {
  it('fall back to LATENTLAB_THREADS, then to the core count, until set', () => {
    expect(sessionDefaults({ LATENTLAB_THREADS: '3' }).threads).toBe(3);
    expect(threadsChosen({ LATENTLAB_THREADS: '3' })).toBe(true);
    expect(threadsChosen({ LATENTLAB_THREADS: 'x' })).toBe(false);
    expect(sessionDefaults({}).threads).toBeGreaterThanOrEqual(1);
    expect(sessionDefaults({ LATENTLAB_SPIN: '1' }).spinning).toBe(true);
    expect(sessionDefaults({}).memoryArena).toBe(true);
    expect(sessionDefaults({ LATENTLAB_MEM_ARENA: '0' }).memoryArena).toBe(false);
    expect(sessionEnv()).toEqual({});
  });

  it('a set thread count wins over the environment and travels to child processes', () => {
    expect(() => setSessionDefaults({ threads: 0 })).toThrow(ArgumentError);
    expect(() => setSessionDefaults({ threads: 1.5 })).toThrow(/positive integer/);
    setSessionDefaults({ threads: 2 });
    expect(sessionDefaults({ LATENTLAB_THREADS: '3' }).threads).toBe(2);
    expect(sessionEnv()).toEqual({ LATENTLAB_THREADS: '2' });
  });
});
