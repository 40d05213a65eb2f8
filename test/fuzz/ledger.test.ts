import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger, ledgerPath, readLedger, seedsDigest } from '../../tools/fuzz/ledger.js';

/** The fuzz ledger: totals across a stopped run and its continuation, exact for a contiguous range. */
const dir = mkdtempSync(join(tmpdir(), 'latentlab-ledger-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const seeds = [{ name: 'a', bytes: new Uint8Array([1, 2, 3]) }];
const base = { reader: 'npy' as const, seed: 1, seedsDigest: seedsDigest(seeds), seeds: 1 };

describe('fuzz ledger', () => {
  it('counts only the contiguous inputs done, whatever order they finish in', () => {
    const l = new Ledger(undefined, base, 0);
    l.record(1, 'typed'); // input 0 still running (another worker)
    expect(l.state.reached).toBe(0);
    expect(l.state.counts.typed).toBe(0);
    l.record(0, 'ok');
    l.record(3, 'ok');
    expect(l.state.reached).toBe(2);
    expect(l.state.counts).toEqual({ ok: 1, typed: 1, untyped: 0, hang: 0, rss: 0 });
  });

  it('a run from the stored end continues the totals; other seeds or another start do not', () => {
    const path = ledgerPath(dir, 'npy', 1);
    const first = new Ledger(path, base, 0);
    for (let i = 0; i < 5; i++) first.record(i, i === 2 ? 'ok' : 'typed');
    const stored = readLedger(path, 'npy', 1, base.seedsDigest)!;
    expect(stored.reached).toBe(5);
    expect(readLedger(path, 'npy', 1, seedsDigest([{ name: 'a', bytes: new Uint8Array([9]) }]))).toBeUndefined();
    expect(readLedger(path, 'npy', 2, base.seedsDigest)).toBeUndefined();

    const next = new Ledger(path, base, 5, stored);
    next.record(5, 'ok');
    next.record(6, 'typed');
    expect(next.continued).toBe(true);
    const after = JSON.parse(readFileSync(path, 'utf8'));
    expect(after).toMatchObject({ first: 0, reached: 7, counts: { ok: 2, typed: 5 } });
    expect(after.runs.map((r: { from: number; to: number }) => [r.from, r.to])).toEqual([
      [0, 5],
      [5, 7],
    ]);

    const elsewhere = new Ledger(undefined, base, 100, stored);
    expect(elsewhere.continued).toBe(false);
    expect(elsewhere.state.first).toBe(100);
  });
});
