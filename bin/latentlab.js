#!/usr/bin/env node
// In a source checkout (src/ beside bin/, tsx installed) the CLI runs from the TypeScript sources, registering
// tsx's loader in this same process (no child process, so Ctrl-C reaches the CLI exactly once): a dist/ left
// by `npm install`'s prepare build can never make the CLI run stale code. An installed package (no src/)
// runs the compiled dist/.
//
// Memory-heavy verbs (projection) are the one exception: on glibc they re-execute this script once with
// malloc settings that keep freed pages mapped (src/runtime/mallocEnv.ts; glibc reads them only at process
// start), which lets ONNX Runtime run without its arena: a 1024x1024 projection peaks ~0.6 GiB lower.
// The launcher relays SIGINT/SIGTERM and exits with the child's status; LATENTLAB_KEEP_PAGES=0 turns it off.
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
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env });
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
  } else {
    await import(pathToFileURL(entry).href);
  }
}
