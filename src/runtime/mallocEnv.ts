// glibc malloc settings that keep freed memory mapped in the process, so that ONNX Runtime can run
// without its arena at no page-faulting cost (issue 21). They are read by glibc at process start
// (GLIBC_TUNABLES, or the older MALLOC_*_ variables), so a process gets them only from whoever starts
// it: the CLI re-executes itself with them for memory-heavy verbs (bin/latentlab.js).
//
// Why: ORT's BFC arena keeps every block it grows and lays a second run out differently from the
// first, so a 1024x1024 StyleGAN2 projection step grew from 3.29 to 3.66 GiB at its second run.
// Without the arena each tensor is a plain malloc/free, and the peak was 3.07 GiB; but glibc serves
// blocks above 32 MiB with mmap and unmaps them on free, and trims the heap top, so every step faulted
// its ~3 GB of activations in afresh. With these settings all blocks come from one brk heap that is
// never trimmed: the second step reused its pages (0 faults) and the peak stayed 3.07 GiB.

/** One setting: its GLIBC_TUNABLES name, its older environment alias, the value we set, and whether a present value is good enough. */
interface Setting {
  tunable: string;
  alias: string;
  value: string;
  enough(v: string): boolean;
}

/** Never trim the heap top: 1 TiB, above any heap this process makes. */
const NEVER_TRIM = 2 ** 40;

const SETTINGS: readonly Setting[] = [
  // no blocks from mmap: all come from the heap, where freed blocks stay mapped and coalesce
  { tunable: 'glibc.malloc.mmap_max', alias: 'MALLOC_MMAP_MAX_', value: '0', enough: (v) => Number(v) === 0 },
  { tunable: 'glibc.malloc.trim_threshold', alias: 'MALLOC_TRIM_THRESHOLD_', value: String(NEVER_TRIM), enough: (v) => Number(v) >= NEVER_TRIM },
  // one arena: a thread's own arena (a 64 MiB mmap heap) would serve big blocks with mmap again
  // (1024x1024 projection without it: no faults either, as ORT runs on the main thread, but 0.04 GiB higher)
  { tunable: 'glibc.malloc.arena_max', alias: 'MALLOC_ARENA_MAX', value: '1', enough: (v) => Number(v) === 1 },
];

/** The variable that turns the CLI's re-execution off (LATENTLAB_KEEP_PAGES=0). */
export const KEEP_PAGES_ENV = 'LATENTLAB_KEEP_PAGES';

function parseTunables(s: string | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of (s ?? '').split(':')) {
    const eq = part.indexOf('=');
    if (eq > 0) m.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return m;
}

function formatTunables(tunables: ReadonlyMap<string, string>): string {
  return [...tunables].map(([k, v]) => `${k}=${v}`).join(':');
}

/** This process's glibc version string ('2.36'), or null off glibc (read once from the process report). */
function glibcRuntimeVersion(): string | null {
  if (glibcRuntime === undefined) {
    const header = process.platform === 'linux' ? (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header : undefined;
    glibcRuntime = typeof header?.glibcVersionRuntime === 'string' ? header.glibcVersionRuntime : null;
  }
  return glibcRuntime;
}

let glibcRuntime: string | null | undefined;

/** True when this process's C library is glibc (the settings mean nothing to musl or macOS). */
export function isGlibc(): boolean {
  return glibcRuntimeVersion() !== null;
}

/**
 * True when `env` (the environment a glibc process started with) keeps freed memory mapped:
 * no mmap'd blocks, no heap trimming, one malloc arena. GLIBC_TUNABLES takes precedence over the aliases.
 */
export function keepsPages(env: NodeJS.ProcessEnv = process.env, glibc: boolean = isGlibc()): boolean {
  if (!glibc) return false;
  return SETTINGS.every((s) => holds(env, s));
}

/** The value `env` gives a setting (GLIBC_TUNABLES first, then its alias), or undefined. */
function valueIn(env: NodeJS.ProcessEnv, s: Setting): string | undefined {
  return parseTunables(env.GLIBC_TUNABLES).get(s.tunable) ?? env[s.alias];
}

/** Whether `env` gives a setting a value good enough. */
function holds(env: NodeJS.ProcessEnv, s: Setting): boolean {
  const v = valueIn(env, s);
  return v !== undefined && s.enough(v);
}

/**
 * Transparent huge pages for malloc's heap (glibc >= 2.35; older ones ignore the tunable): one page fault per
 * 2 MiB instead of per 4 KiB. Not needed to keep pages, so `keepsPages` does not ask for it, but where page faults
 * are slow (first-touch memory on this VM: 0.4-0.6 CPU-s per 100 MB) it halves the first call of a 256x256
 * generator (session 7: 1.22 -> 0.82 s, cold estimate; README, issue 22). Only madvise()d memory gets them when
 * the kernel's THP mode is `madvise`, which is why malloc must ask.
 */
const HUGE_PAGES = { tunable: 'glibc.malloc.hugetlb', value: '1' } as const;

/**
 * `env` with the settings (and huge pages, unless GLIBC_TUNABLES chose a hugetlb value) merged into
 * GLIBC_TUNABLES (other tunables kept; a conflicting alias dropped).
 */
export function withKeptPages(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return withSettingsAndHugePages(env, SETTINGS);
}

/** `env` with `settings` merged into GLIBC_TUNABLES (their aliases dropped), plus huge pages unless a hugetlb value is there. */
function withSettingsAndHugePages(env: NodeJS.ProcessEnv, settings: readonly Setting[]): NodeJS.ProcessEnv {
  const tunables = parseTunables(env.GLIBC_TUNABLES);
  const out: NodeJS.ProcessEnv = { ...env };
  for (const s of settings) {
    tunables.set(s.tunable, s.value);
    delete out[s.alias];
  }
  if (!tunables.has(HUGE_PAGES.tunable)) tunables.set(HUGE_PAGES.tunable, HUGE_PAGES.value);
  out.GLIBC_TUNABLES = formatTunables(tunables);
  return out;
}

/** glibc's version as [major, minor], or null off glibc. */
export function glibcVersion(): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(glibcRuntimeVersion() ?? '');
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** glibc.malloc.hugetlb exists from glibc 2.35; older ones ignore it, so a restart for it would buy nothing. */
export function hasHugetlbTunable(version: [number, number] | null): boolean {
  return version !== null && (version[0] > 2 || (version[0] === 2 && version[1] >= 35));
}

/** True when `env` chose a glibc.malloc.hugetlb value (ours or the person's: either is respected). */
export function choosesHugePages(env: NodeJS.ProcessEnv = process.env): boolean {
  return parseTunables(env.GLIBC_TUNABLES).has(HUGE_PAGES.tunable);
}

/**
 * `env` with transparent huge pages for malloc's heap merged into GLIBC_TUNABLES (other tunables kept; a hugetlb
 * value already there wins). Freed memory is still returned to the system. Session 8's setting for the studio and
 * workers, kept for the bench's `--malloc huge`; they now start with `withServerPages`.
 */
export function withHugePages(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return withSettingsAndHugePages(env, []);
}

/**
 * How much freed heap a long-lived process keeps mapped for its next allocations: the heap top is trimmed only
 * past this. On a VM that reports freed memory to its host (this one: free page reporting, 8 MiB blocks), memory a
 * process frees to the system comes back only through slow host faults (~3 ms per MiB), so a model loaded after
 * another paid them again: a 256x256 generator's first call 0.70-0.80 s with huge pages alone, 0.33-0.48 s with
 * these settings and a warmed heap (`warmHeap`, session 9, README issue 22). Bounded, so a peak above it still goes back.
 */
export const SERVER_RETAINED_BYTES = 2 ** 30;

const SERVER_SETTINGS: readonly Setting[] = [
  SETTINGS[0], // no mmap'd blocks: a freed block of any size stays in the heap
  {
    tunable: 'glibc.malloc.trim_threshold',
    alias: 'MALLOC_TRIM_THRESHOLD_',
    value: String(SERVER_RETAINED_BYTES),
    enough: (v) => Number(v) >= SERVER_RETAINED_BYTES,
  },
  SETTINGS[2], // one arena: the main thread's heap is the one that keeps them
];

/**
 * `env` with the long-lived processes' settings: huge pages (unless GLIBC_TUNABLES chose a hugetlb value), no
 * mmap'd blocks, one arena, and the heap top trimmed only past SERVER_RETAINED_BYTES (other tunables kept; a
 * conflicting alias dropped).
 */
export function withServerPages(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return withSettingsAndHugePages(env, SERVER_SETTINGS);
}

/**
 * Bytes of freed memory the heap of a glibc process started with `env` keeps mapped for reuse: its trim threshold
 * when no block is mmap'd and there is one arena (the settings of `withServerPages` or `withKeptPages`), else 0.
 */
export function retainedHeapBytes(env: NodeJS.ProcessEnv = process.env, glibc: boolean = isGlibc()): number {
  const [noMmap, trim, oneArena] = SERVER_SETTINGS;
  if (!glibc || !holds(env, noMmap) || !holds(env, oneArena)) return 0;
  const threshold = Number(valueIn(env, trim));
  return Number.isFinite(threshold) && threshold > 0 ? threshold : 0;
}

/**
 * Whether a long-lived process (studio, worker) should re-execute itself with `withServerPages`: on glibc >= 2.35,
 * when GLIBC_TUNABLES chose no hugetlb value and LATENTLAB_KEEP_PAGES is not '0'.
 */
export function shouldReexecForHugePages(
  env: NodeJS.ProcessEnv = process.env,
  version: [number, number] | null = glibcVersion(),
): boolean {
  return hasHugetlbTunable(version) && env[KEEP_PAGES_ENV] !== '0' && !choosesHugePages(env);
}

/**
 * Whether a process about to run a memory-heavy verb should re-execute itself with `withKeptPages`:
 * on glibc, when the settings are not in place yet and LATENTLAB_KEEP_PAGES is not '0'.
 */
export function shouldReexecForPages(env: NodeJS.ProcessEnv = process.env, glibc: boolean = isGlibc()): boolean {
  return glibc && env[KEEP_PAGES_ENV] !== '0' && !keepsPages(env, glibc);
}
