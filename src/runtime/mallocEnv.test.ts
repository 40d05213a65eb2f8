import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  choosesHugePages,
  isGlibc,
  keepsPages,
  retainedHeapBytes,
  SERVER_RETAINED_BYTES,
  shouldReexecForHugePages,
  shouldReexecForPages,
  withHugePages,
  withKeptPages,
  withServerPages,
} from './mallocEnv.js';

const KEPT = 'glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=1099511627776:glibc.malloc.arena_max=1';

describe('malloc settings that keep freed pages mapped', () => {
  it('are recognised in GLIBC_TUNABLES or the MALLOC_* aliases, and only all together, only on glibc', () => {
    expect(keepsPages({ GLIBC_TUNABLES: KEPT }, true)).toBe(true);
    expect(keepsPages({ GLIBC_TUNABLES: KEPT }, false)).toBe(false);
    expect(keepsPages({ MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: String(2 ** 41), MALLOC_ARENA_MAX: '1' }, true)).toBe(true);
    expect(keepsPages({}, true)).toBe(false);
    // each setting is needed: mmap'd blocks, a trimmed heap top or per-thread arenas all unmap pages again
    expect(keepsPages({ GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=1099511627776:glibc.malloc.arena_max=1' }, true)).toBe(false);
    expect(keepsPages({ GLIBC_TUNABLES: 'glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=134217728:glibc.malloc.arena_max=1' }, true)).toBe(false);
    expect(keepsPages({ GLIBC_TUNABLES: 'glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=1099511627776:glibc.malloc.arena_max=2' }, true)).toBe(false);
    // GLIBC_TUNABLES wins over an alias
    expect(keepsPages({ GLIBC_TUNABLES: KEPT.replace('mmap_max=0', 'mmap_max=65536'), MALLOC_MMAP_MAX_: '0' }, true)).toBe(false);
  });

  it('are merged into GLIBC_TUNABLES keeping other tunables, replacing conflicting values and aliases', () => {
    const env = withKeptPages({ GLIBC_TUNABLES: 'glibc.malloc.tcache_count=0:glibc.malloc.mmap_max=7', MALLOC_ARENA_MAX: '8', HOME: '/h' });
    expect(env.HOME).toBe('/h');
    expect(env.MALLOC_ARENA_MAX).toBeUndefined();
    const parts = env.GLIBC_TUNABLES!.split(':');
    expect(parts).toContain('glibc.malloc.tcache_count=0');
    expect(parts).toContain('glibc.malloc.mmap_max=0');
    expect(parts).not.toContain('glibc.malloc.mmap_max=7');
    expect(keepsPages(env, true)).toBe(true);
    expect(keepsPages(withKeptPages({}), true)).toBe(true);
    // huge pages are asked for, unless the caller chose otherwise
    expect(parts).toContain('glibc.malloc.hugetlb=1');
    expect(withKeptPages({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }).GLIBC_TUNABLES!.split(':')).toContain('glibc.malloc.hugetlb=0');
  });

  it('ask for a re-execution only on glibc, only when missing, and not when turned off', () => {
    expect(shouldReexecForPages({}, true)).toBe(true);
    expect(shouldReexecForPages({}, false)).toBe(false);
    expect(shouldReexecForPages({ GLIBC_TUNABLES: KEPT }, true)).toBe(false);
    expect(shouldReexecForPages({ LATENTLAB_KEEP_PAGES: '0' }, true)).toBe(false);
  });

  it('make glibc serve big blocks from the brk heap in a process started with them', () => {
    if (!isGlibc()) return;
    // four 16 MiB buffers (malloc'd by Node): by default each is its own mmap, with the settings the [heap] grows
    const script = `const fs = require('node:fs');
      const heap = () => { const l = fs.readFileSync('/proc/self/maps', 'utf8').split(String.fromCharCode(10)).find((s) => s.endsWith('[heap]'));
        if (!l) return 0; const [a, b] = l.split(' ')[0].split('-'); return Number(BigInt('0x' + b) - BigInt('0x' + a)); };
      const before = heap(); const keep = [];
      for (let i = 0; i < 4; i++) keep.push(Buffer.allocUnsafeSlow(16 * 2 ** 20).fill(1));
      process.stdout.write(String(heap() - before));`;
    const growth = (env: NodeJS.ProcessEnv) => {
      const r = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return Number(r.stdout);
    };
    const plain = { PATH: process.env.PATH };
    expect(growth(plain)).toBeLessThan(16 * 2 ** 20);
    // (the heap's free space before may take a part of the first)
    expect(growth(withKeptPages(plain))).toBeGreaterThanOrEqual(48 * 2 ** 20);
  });
});

describe('huge pages for long-lived processes', () => {
  it('are merged into GLIBC_TUNABLES, keeping a hugetlb value the person chose and every other tunable', () => {
    const env = withHugePages({ GLIBC_TUNABLES: 'glibc.malloc.tcache_count=0', HOME: '/h' });
    expect(env.HOME).toBe('/h');
    expect(env.GLIBC_TUNABLES!.split(':').sort()).toEqual(['glibc.malloc.hugetlb=1', 'glibc.malloc.tcache_count=0']);
    expect(withHugePages({}).GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=1');
    expect(withHugePages({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }).GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=0');
    // freed pages are still given back: none of the kept-pages settings come with it
    expect(keepsPages(withHugePages({}), true)).toBe(false);
  });

  it('ask for a re-execution only on glibc >= 2.35, only when no hugetlb value was chosen, and not when turned off', () => {
    expect(shouldReexecForHugePages({}, [2, 36])).toBe(true);
    expect(shouldReexecForHugePages({}, [3, 0])).toBe(true);
    expect(shouldReexecForHugePages({}, [2, 34])).toBe(false);
    expect(shouldReexecForHugePages({}, null)).toBe(false);
    expect(shouldReexecForHugePages({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }, [2, 36])).toBe(false);
    expect(shouldReexecForHugePages(withHugePages({}), [2, 36])).toBe(false);
    expect(shouldReexecForHugePages({ LATENTLAB_KEEP_PAGES: '0' }, [2, 36])).toBe(false);
    expect(choosesHugePages(withKeptPages({}))).toBe(true);
  });
});

describe('the long-lived processes\' settings (huge pages, a bounded heap kept)', () => {
  it('are merged into GLIBC_TUNABLES, keeping other tunables and a hugetlb value the person chose', () => {
    const env = withServerPages({ GLIBC_TUNABLES: 'glibc.malloc.tcache_count=0:glibc.malloc.hugetlb=0', MALLOC_ARENA_MAX: '8' });
    expect(env.MALLOC_ARENA_MAX).toBeUndefined();
    expect(env.GLIBC_TUNABLES!.split(':').sort()).toEqual([
      'glibc.malloc.arena_max=1',
      'glibc.malloc.hugetlb=0',
      'glibc.malloc.mmap_max=0',
      'glibc.malloc.tcache_count=0',
      `glibc.malloc.trim_threshold=${SERVER_RETAINED_BYTES}`,
    ]);
    expect(withServerPages({}).GLIBC_TUNABLES!.split(':')).toContain('glibc.malloc.hugetlb=1');
    // bounded: a peak above SERVER_RETAINED_BYTES still goes back, unlike the kept-pages settings of `project`
    expect(keepsPages(withServerPages({}), true)).toBe(false);
    expect(shouldReexecForHugePages(withServerPages({}), [2, 36])).toBe(false);
  });

  it('say how much freed heap is kept: the trim threshold, only with no mmap\'d blocks and one arena, only on glibc', () => {
    expect(retainedHeapBytes(withServerPages({}), true)).toBe(SERVER_RETAINED_BYTES);
    expect(retainedHeapBytes(withServerPages({}), false)).toBe(0);
    expect(retainedHeapBytes(withKeptPages({}), true)).toBe(2 ** 40);
    expect(retainedHeapBytes({ MALLOC_MMAP_MAX_: '0', MALLOC_ARENA_MAX: '1', MALLOC_TRIM_THRESHOLD_: '1048576' }, true)).toBe(2 ** 20);
    expect(retainedHeapBytes({}, true)).toBe(0);
    expect(retainedHeapBytes(withHugePages({}), true)).toBe(0);
    expect(retainedHeapBytes({ GLIBC_TUNABLES: 'glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=1073741824' }, true)).toBe(0);
  });
});
