#!/usr/bin/env node
// In a source checkout (src/ beside bin/, tsx installed) the CLI runs from the TypeScript sources, registering
// tsx's loader in this same process (no child process, so Ctrl-C reaches the CLI exactly once): a dist/ left
// by `npm install`'s prepare build can never make the CLI run stale code. An installed package (no src/)
// runs the compiled dist/.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const source = join(root, 'src', 'cli', 'main.ts');
const compiled = join(root, 'dist', 'cli', 'main.js');

async function tsxRegister() {
  try {
    return (await import('tsx/esm/api')).register;
  } catch {
    return null;
  }
}

const register = existsSync(source) ? await tsxRegister() : null;
if (register) {
  register();
  await import(pathToFileURL(source).href);
} else if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  process.stderr.write('latentlab: neither the sources with tsx nor dist/ are here; run `npm install` (it builds dist/)\n');
  process.exitCode = 1;
}
