// bin/latentlab.js restarts long-lived verbs (studio, worker) once with huge pages and a heap that keeps up to 1 GiB
// of freed memory, which they warm at start-up: the server must really run with them and warm its heap, stop cleanly on a relayed signal, and die with its launcher when that is killed
// outright (the studio's crash tests and queue tests kill -9 these processes).
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { glibcVersion, hasHugetlbTunable, withServerPages } from '../../src/runtime/mallocEnv.js';
import { DEFAULT_WARM_HEAP_MIB } from '../../src/runtime/warmHeap.js';
import { ROOT, SHIPPED_BUNDLES, tempWorkspace } from '../studio/helpers.js';

const started: ChildProcess[] = [];
afterAll(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

const hugetlbKnown = hasHugetlbTunable(glibcVersion());

/** The environment a process was started with (/proc/PID/environ). */
function startEnv(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const eq = kv.indexOf('=');
    if (eq > 0) out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

/**
 * The latentlab processes whose parent is `pid` (Linux /proc). Only those: tsx may run esbuild as a child
 * while it transforms sources it has not cached yet.
 */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // the fields after the command name (which may hold spaces) start with state, then ppid
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('latentlab.js')) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Resident memory of a process in MiB (/proc/PID/status). */
function rssMib(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `latentlab studio` through bin/ with `env`; resolves once it serves. */
async function startStudio(env: NodeJS.ProcessEnv): Promise<{ launcher: ChildProcess; url: string; exited: Promise<number | null> }> {
  const workspace = await tempWorkspace();
  const launcher = spawn(
    process.execPath,
    [join(ROOT, 'bin/latentlab.js'), 'studio', '--port', '0', '--workspace', workspace, '--models', SHIPPED_BUNDLES[1], '--no-build'],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  started.push(launcher);
  const exited = new Promise<number | null>((resolve) => launcher.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    launcher.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /latentlab studio: (http:\/\/\S+?)\/?\s/.exec(out);
      if (m) resolve(m[1]);
    });
    launcher.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    launcher.on('exit', (code) => reject(new Error(`studio exited (${code}) before listening:\n${out}`)));
  });
  return { launcher, url, exited };
}

const plainEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, LATENTLAB_THREADS: '1' };
  delete env.GLIBC_TUNABLES;
  delete env.LATENTLAB_KEEP_PAGES;
  return env;
};

describe.skipIf(!hugetlbKnown)('the launcher of long-lived verbs (glibc >= 2.35)', () => {
  it('serves from a child started with the long-lived settings, which warms its heap and dies with the launcher when that is killed outright', async () => {
    const { launcher, url } = await startStudio(plainEnv());
    const [server] = childrenOf(launcher.pid!);
    expect(server, 'the studio runs in a child of the launcher').toBeDefined();
    // glibc's start-up parsing cuts the process's own copy in /proc at the first ':' (Node's process.env has it whole),
    // so the first tunable is what can be read here; the resident warm-up below shows the rest took effect
    const seen = startEnv(server).GLIBC_TUNABLES;
    expect(seen).toBeTruthy();
    expect(withServerPages({}).GLIBC_TUNABLES!.startsWith(seen)).toBe(true);
    expect(startEnv(launcher.pid!).GLIBC_TUNABLES).toBeUndefined();
    expect((await fetch(`${url}/api/models`)).ok).toBe(true);
    // the warmed memory is freed but kept: it stays resident (a studio alone is ~150-250 MiB)
    await until('the warmed heap to stay resident', () => rssMib(server) >= DEFAULT_WARM_HEAP_MIB, 60_000);
    launcher.kill('SIGKILL');
    await until('the server to die with its launcher', () => !alive(server));
  }, 120_000);

  it('relays SIGTERM: the studio closes and the launcher exits 0', async () => {
    const { launcher, exited } = await startStudio(plainEnv());
    const [server] = childrenOf(launcher.pid!);
    launcher.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(alive(server)).toBe(false);
  }, 120_000);

  it('does not restart when the environment already chose a hugetlb value, or with LATENTLAB_KEEP_PAGES=0', async () => {
    for (const env of [
      { ...plainEnv(), GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' },
      { ...plainEnv(), LATENTLAB_KEEP_PAGES: '0' },
    ]) {
      const { launcher, url, exited } = await startStudio(env);
      expect(childrenOf(launcher.pid!), 'no restarted child').toEqual([]);
      expect((await fetch(`${url}/api/models`)).ok).toBe(true);
      launcher.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 120_000);
});
