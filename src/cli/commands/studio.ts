import { fileURLToPath } from 'node:url';
import { ArgumentError } from '../../index.js';
import type { Command } from '../command.js';
import { parseWarmHeap, startHeapWarmup, warmHeapFlag } from '../heapWarmup.js';
import { abortOnSignals } from '../signals.js';

const SHIPPED_MODELS = fileURLToPath(new URL('../../../models/', import.meta.url));

/** `latentlab studio` (and `npm start`): the web app over the library, on 127.0.0.1 by default. */
export const studioCommand: Command = {
  name: 'studio',
  summary: 'Serve the studio web app: explore, project and edit latents in a browser (npm start)',
  usage:
    'latentlab studio [--host 127.0.0.1] [--port 7860] [--workspace DIR] [--models DIR[,DIR...]] [--concurrency N]',
  flags: [
    {
      name: 'host',
      type: 'string',
      help: 'address to bind (127.0.0.1 keeps it on this machine)',
      default: '127.0.0.1',
    },
    { name: 'port', type: 'number', help: 'port (0 picks a free one)', default: 7860 },
    {
      name: 'workspace',
      type: 'string',
      help: 'folder for latents, images and job results (kept across restarts)',
      default: 'studio-workspace',
    },
    {
      name: 'models',
      type: 'string',
      help: 'comma-separated model folders (bundles, or folders of bundles); more may follow as arguments',
      default: SHIPPED_MODELS,
    },
    { name: 'concurrency', type: 'number', help: 'jobs (projections, exports) running at once, each in its own worker process', default: 1 },
    { name: 'worker-memory', type: 'number', help: 'memory cap of each job worker process in MiB (past it the job fails "out of memory")', default: 4096 },
    {
      name: 'queue',
      type: 'string',
      help: 'redis://HOST:PORT: send jobs to `latentlab worker`s instead (they must see the workspace folder)',
    },
    { name: 'upload-limit', type: 'number', help: 'largest image upload in MiB', default: 8 },
    {
      name: 'import-limit',
      type: 'number',
      help: 'largest checkpoint upload (model import) in MiB',
      default: 1024,
    },
    {
      name: 'build',
      type: 'boolean',
      help: 'rebuild the web app first when its sources changed (--no-build serves the last build)',
      default: true,
    },
    { name: 'build-only', type: 'boolean', help: 'build the web app and the export --web explorer page, then exit' },
    warmHeapFlag,
  ],
  async run({ flags, positionals }, out) {
    const port = Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new ArgumentError(`--port must be 0..65535, got ${flags.port}`);
    const concurrency = Number(flags.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
      throw new ArgumentError(`--concurrency must be an integer 1..64, got ${flags.concurrency}`);
    const mib = (name: string, max: number) => {
      const v = Number(flags[name]);
      if (!(v > 0 && v <= max))
        throw new ArgumentError(`--${name} must be in (0, ${max}] MiB, got ${flags[name]}`);
      return Math.round(v * (1 << 20));
    };
    const uploadLimit = mib('upload-limit', 1024);
    const checkpointLimit = mib('import-limit', 16384);
    const warmHeapMib = parseWarmHeap(flags['warm-heap']);
    // loaded here so other commands do not pay for fastify and vite at start-up
    const { ensureWebBuild, WEB_BUILD } = await import('../../studio/server/webBuild.js');
    const { buildStudio } = await import('../../studio/server/app.js');
    const webRoot =
      flags.build || flags['build-only']
        ? await ensureWebBuild({ force: Boolean(flags['build-only']), log: out })
        : WEB_BUILD;
    if (flags['build-only']) {
      // the static explorer (`export --web`) ships prebuilt beside the studio app
      const { ensureExplorerBuild } = await import('../../studio/server/webBuild.js');
      await ensureExplorerBuild({ force: true, log: out });
      return;
    }
    const modelDirs = [...String(flags.models).split(','), ...positionals]
      .map((d) => d.trim())
      .filter(Boolean);
    const host = String(flags.host);
    const { LOOPBACK_HOSTS } = await import('../../studio/server/app.js');
    // bound beyond loopback, the person chose who may connect: accept any Host then
    const loopback = ['127.0.0.1', 'localhost', '::1'].includes(host);
    const studio = await buildStudio({
      allowedHosts: loopback ? LOOPBACK_HOSTS : [],
      workspace: String(flags.workspace),
      modelDirs,
      concurrency,
      uploadLimit,
      checkpointLimit,
      webRoot,
      workerMemoryMb: Number(flags['worker-memory']),
      queue: flags.queue === undefined ? undefined : String(flags.queue),
    });
    const names = studio.models.list().map((m) => m.name);
    for (const d of studio.models.missingDirs()) out(`warning: --models folder ${d} does not exist`);
    if (!names.length) out(`warning: no model bundles found in ${modelDirs.join(', ')}`);
    // Handlers before the URL is printed: whoever reads it may signal at once. One Ctrl-C may arrive twice (from
    // the terminal and relayed by the launcher, bin/latentlab.js): the repeat within a second is not a second press.
    const signals = abortOnSignals();
    let address: string;
    try {
      address = await studio.app.listen({ host, port });
    } catch (err) {
      signals.dispose();
      await studio.app.close();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE')
        throw new ArgumentError(`port ${port} on ${host} is in use: pass --port N (0 picks a free one)`);
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
        throw new ArgumentError(`cannot listen on ${host}: ${(err as Error).message}`);
      throw err;
    }
    const url = address.replace('://[::1]', '://localhost');
    out(`latentlab studio: ${url}/`);
    out(
      `  models: ${names.join(', ') || 'none'}; workspace: ${studio.workspace.root}; jobs at once: ${concurrency}`,
    );
    out('  Ctrl-C stops it (running jobs are cancelled; finished results stay in the workspace)');
    // after the URL: the studio answers at once, the warm-up (0.1-1.3 s here) runs beside the first requests
    const warmed = startHeapWarmup(warmHeapMib, out);
    if (!signals.signal.aborted)
      await new Promise((resolve) => signals.signal.addEventListener('abort', resolve, { once: true }));
    await warmed;
    await studio.app.close().catch(() => undefined);
    signals.dispose();
  },
};
