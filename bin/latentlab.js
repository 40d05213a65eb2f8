#!/usr/bin/env node
// In a source checkout (src/ beside bin/, tsx installed) the CLI runs from the TypeScript sources, registering
// tsx's loader in this same process (no child process, so Ctrl-C reaches the CLI exactly once): a dist/ left
// by `npm install`'s prepare build can never make the CLI run stale code. An installed package (no src/)
// runs the compiled dist/.
//
// Two kinds of verbs re-execute this script once on glibc, with malloc settings that glibc reads only at
// process start (src/runtime/mallocEnv.ts):
// - memory-heavy ones (projection): freed pages kept mapped, which lets ONNX Runtime run without its arena
//   (a 1024x1024 projection peaks ~0.6 GiB lower);
// - long-lived ones (studio, worker): transparent huge pages and a heap that keeps up to 1 GiB of freed memory,
//   which they warm once listening (src/runtime/warmHeap.ts): a 256x256 generator's first call in a warm process
//   0.78-1.42 s -> 0.34-0.71 s, the first model loaded included (README, issue 22). A larger peak still goes back.
// The launcher relays SIGINT/SIGTERM/SIGHUP and exits with the child's status; the child dies with the launcher
// when that is killed outright (SIGKILL), as one process would. LATENTLAB_KEEP_PAGES=0 turns both off.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import process from 'node:process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const source = join(root, 'src', 'cli', 'main.ts');
const compiled = join(root, 'dist', 'cli', 'main.js');
const MEMORY_HEAVY_VERBS = new Set(['project', 'encode']);
const LONG_LIVED_VERBS = new Set(['studio', 'worker']);
/** Set in a restarted child's environment (and removed there at once): it has an IPC channel to its launcher. */
const LAUNCHED_ENV = 'LATENTLAB_LAUNCHED';

if (process.env[LAUNCHED_ENV] === '1' && process.channel) {
  delete process.env[LAUNCHED_ENV];
  // The launcher waits for us and relays its signals, so it ends first only when killed outright: then so do we
  // (the channel closes), and our own job workers see theirs close in turn. Unref'd: it never keeps us alive.
  process.channel.unref();
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}

async function tsxRegister() {
  try {
    return (await import('tsx/esm/api')).register;
  } catch {
    return null;
  }
}

/** The first argument that is not a global flag (the verb), or undefined. */
function verbOf(argv) {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--threads' || a === '--max-tensor-bytes') i++;
    else if (a !== '--debug') return a;
  }
  return undefined;
}

/** Runs this script again with `env`, relaying signals; resolves to its exit status. */
function reexec(env) {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...env, [LAUNCHED_ENV]: '1' },
  });
  const relay = (sig) => child.kill(sig);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, relay);
  return new Promise((resolve) => {
    child.on('error', (err) => {
      process.stderr.write(`latentlab: could not restart with malloc settings: ${err.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? 128 + (constants.signals[signal] ?? 0)));
  });
}

const register = existsSync(source) ? await tsxRegister() : null;
const entry = register ? source : existsSync(compiled) ? compiled : null;
if (!entry) {
  process.stderr.write('latentlab: neither the sources with tsx nor dist/ are here; run `npm install` (it builds dist/)\n');
  process.exitCode = 1;
} else {
  if (register) register();
  const mallocEnv = await import(pathToFileURL(join(dirname(entry), '..', 'runtime', register ? 'mallocEnv.ts' : 'mallocEnv.js')).href);
  const verb = verbOf(process.argv.slice(2));
  const help = process.argv.includes('--help') || process.argv.includes('-h');
  if (MEMORY_HEAVY_VERBS.has(verb) && !help && mallocEnv.shouldReexecForPages(process.env)) {
    process.exitCode = await reexec(mallocEnv.withKeptPages(process.env));
  } else if (LONG_LIVED_VERBS.has(verb) && !help && mallocEnv.shouldReexecForHugePages(process.env)) {
    process.exitCode = await reexec(mallocEnv.withServerPages(process.env));
  } else {
    await import(pathToFileURL(entry).href);
  }
}
