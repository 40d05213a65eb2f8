import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyError } from 'fastify';
import { LatentlabError, LocalWorkerPool } from '../../index.js';
import { type JobExecutor, JobQueue, QueueFull, UnknownJob } from './jobQueue.js';
import { studioJobKinds } from './jobKinds.js';
import { JOB_WORKER_MODULE, type JobWorkerInit } from './jobWorker.js';
import { queueExecutor } from './queueExecutor.js';
import { ModelRegistry, UnknownModel } from './modelRegistry.js';
import { registerBrowserComputeRoutes } from './routes/browserCompute.js';
import { probeCapabilities } from './capabilities.js';
import { registerCapabilityRoutes } from './routes/capabilities.js';
import { registerDirectionStripRoutes } from './routes/directionStrip.js';
import { registerDirectionRoutes } from './routes/directions.js';
import { registerJobAdminRoutes } from './routes/jobAdmin.js';
import { registerLatentAdminRoutes } from './routes/latentAdmin.js';
import { registerTargetRoutes } from './routes/targets.js';
import { registerExploreRoutes } from './routes/explore.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerLatentRoutes } from './routes/latents.js';
import { registerModelRoutes } from './routes/models.js';
import { registerWorkspaceRoutes } from './routes/workspaceFiles.js';
import type { Studio } from './types.js';
import { Workspace } from './workspace.js';

export interface StudioOptions {
  /** Folder for latents, images, job results and uploads (created if missing). */
  workspace: string;
  /** Folders holding model bundles (or bundles themselves); the workspace's models/ is always added. */
  modelDirs: readonly string[];
  /** Jobs running at once (default 1). */
  concurrency?: number;
  /** Jobs waiting before submissions get 429 (default 64). */
  maxQueued?: number;
  /** Run jobs in this process instead of worker processes (default false: workers, one per concurrent job). */
  jobsInline?: boolean;
  /** Memory cap of each job worker process in MiB (default 4096); past it the job fails "out of memory". */
  workerMemoryMb?: number;
  /** redis://HOST:PORT: jobs go to `latentlab worker`s on this queue (they must see the workspace folder). */
  queue?: string;
  /** Time limits in ms by job kind, over the kinds' own (import-model: 20 minutes). */
  jobTimeLimits?: Readonly<Record<string, number>>;
  /** Largest accepted image upload in bytes (default 8 MiB). */
  uploadLimit?: number;
  /** Largest accepted checkpoint upload (model import) in bytes (default 1 GiB). */
  checkpointLimit?: number;
  /** The built web app (index.html + assets); the API works without it. */
  webRoot?: string | null;
  /** fastify's logger (off by default; the CLI prints its own lines). */
  logger?: boolean;
  /**
   * Host names the server answers to (default: localhost, 127.0.0.1, [::1]). Requests naming another Host
   * get 403: a web page elsewhere cannot reach the studio through DNS rebinding. Empty: accept any.
   */
  allowedHosts?: readonly string[];
  /**
   * Whether ffmpeg can make MP4/WebM exports. Default: probed once at start (`ffmpeg -version`); pass false
   * to run as if it were missing (tests), true to skip the probe.
   */
  ffmpeg?: boolean;
}

export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** The host name of a Host header or an Origin URL, without the port ('[::1]:80' -> '[::1]'). */
function hostName(value: string): string {
  return value.startsWith('[') ? value.slice(0, value.indexOf(']') + 1) : value.split(':')[0];
}

export type { Studio } from './types.js';

/** Keys that would reach an object's prototype if code ever copied a body with plain assignment. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

class BadBody extends Error {
  readonly statusCode = 400;
}

/** JSON request bodies: empty is allowed (no body), malformed and prototype keys are 400s. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  let bad: string | undefined;
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v: unknown) => {
      if (PROTOTYPE_KEYS.has(key)) bad ??= key;
      return v;
    });
  } catch (err) {
    throw new BadBody(`request body is not valid JSON: ${(err as Error).message}`);
  }
  if (bad !== undefined)
    throw new BadBody(`request body: the key '${bad}' is not allowed (prototype keys are refused)`);
  return value;
}

/** The HTTP status a thrown error maps to: 4xx for what the client got wrong, 500 for our faults. */
function statusOf(err: FastifyError | Error): number {
  if (err instanceof UnknownModel || err instanceof UnknownJob) return 404;
  if (err instanceof QueueFull) return 429;
  if (err instanceof LatentlabError) return 400;
  const code = (err as FastifyError).statusCode;
  if ((err as FastifyError).validation) return 400;
  return typeof code === 'number' && code >= 400 && code < 600 ? code : 500;
}

/** Builds the studio server (not listening yet: call `app.listen`, or `app.inject` in tests). */
export async function buildStudio(opts: StudioOptions): Promise<Studio> {
  const workspace = new Workspace(opts.workspace);
  await workspace.init();
  const models = new ModelRegistry([...opts.modelDirs, workspace.dir('models')]);
  const capabilities = probeCapabilities(opts.ffmpeg, models.missingDirs());
  const kinds = studioJobKinds({ models, workspace, capabilities });
  // Jobs run in child processes: a runaway job (a hostile checkpoint, a huge export) is killed there, and
  // this process keeps answering. Interactive requests (render, grid, edits) stay in-process (README: Scale out).
  const init: JobWorkerInit = {
    workspace: workspace.root,
    modelDirs: opts.modelDirs.map((d) => resolve(d)),
    capabilities,
  };
  const workers =
    opts.jobsInline || opts.queue
      ? null
      : new LocalWorkerPool({
          module: JOB_WORKER_MODULE,
          init,
          size: opts.concurrency ?? 1,
          memoryMb: opts.workerMemoryMb,
        });
  const execute: JobExecutor | undefined = opts.queue
    ? await queueExecutor(opts.queue, init)
    : workers === null
      ? undefined
      : (rec, ctx) =>
          workers.run(
            {
              kind: rec.kind,
              params: rec.params,
              dir: ctx.dir,
              timeLimitMs: opts.jobTimeLimits?.[rec.kind] ?? kinds[rec.kind].timeLimitMs,
            },
            { signal: ctx.signal, report: ctx.report },
          );
  const jobs = new JobQueue(workspace, kinds, {
    concurrency: opts.concurrency,
    maxQueued: opts.maxQueued,
    execute,
  });
  await jobs.recover();

  // removeAdditional off: an unknown field is a client mistake worth a 400, not something to drop silently
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: 1 << 20,
    // coerceTypes off: "seeds": "1" is a client bug worth a 400, not a number
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = statusOf(err);
    if (status >= 500) req.log.error(err);
    const message = err.validation ? `invalid request: ${err.message}` : err.message;
    void reply.status(status).send({ error: message, statusCode: status });
  });
  // Cross-site protection for a server on the user's own machine: only our Host names, and a browser
  // request from another origin (a page elsewhere posting to 127.0.0.1) is refused before it does anything.
  const allowed = new Set(opts.allowedHosts ?? LOOPBACK_HOSTS);
  app.addHook('onRequest', async (req, reply) => {
    const host = req.headers.host ?? '';
    if (host.trim() === '' || (allowed.size && !allowed.has(hostName(host)))) {
      return reply.status(403).send({
        error: `host '${host}' is not served here (start with --host to allow it)`,
        statusCode: 403,
      });
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let sameOrigin: boolean;
      try {
        sameOrigin = new URL(origin).host === host;
      } catch {
        sameOrigin = false;
      }
      if (!sameOrigin)
        return reply
          .status(403)
          .send({ error: `cross-origin request from ${origin} refused`, statusCode: 403 });
    }
  });
  // Cross-origin isolation, so onnxruntime-web may run wasm threads (SharedArrayBuffer) in browser mode;
  // the studio loads nothing from other origins.
  app.addHook('onSend', async (_req, reply) => {
    void reply.header('cross-origin-opener-policy', 'same-origin').header('cross-origin-embedder-policy', 'require-corp');
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .status(404)
      .send({ error: `no route ${req.method} ${req.url.split('?')[0]}`, statusCode: 404 });
  });
  const limits = { image: opts.uploadLimit ?? 8 << 20, checkpoint: opts.checkpointLimit ?? 1 << 30 };
  // the global limit is the larger one; each route enforces its own (see routes/workspaceFiles.ts)
  await app.register(fastifyMultipart, {
    limits: { fileSize: Math.max(limits.image, limits.checkpoint), files: 1, fields: 8, fieldSize: 1 << 16 },
  });

  const studio: Studio = { app, workspace, models, jobs, workers, limits, capabilities };
  app.get('/api/health', async () => ({
    ok: true,
    models: models.list().length,
    concurrency: jobs.concurrency,
    running: jobs.active,
  }));
  registerModelRoutes(studio);
  registerJobRoutes(studio, kinds);
  registerLatentRoutes(studio);
  registerExploreRoutes(studio);
  registerDirectionRoutes(studio);
  registerWorkspaceRoutes(studio);
  registerBrowserComputeRoutes(studio);
  registerCapabilityRoutes(studio);
  registerJobAdminRoutes(studio);
  registerLatentAdminRoutes(studio);
  registerTargetRoutes(studio);
  registerDirectionStripRoutes(studio);

  const webRoot = opts.webRoot;
  if (webRoot && existsSync(join(webRoot, 'index.html'))) {
    await app.register(fastifyStatic, { root: webRoot, prefix: '/', index: 'index.html', wildcard: false });
  } else {
    app.get('/', async (_req, reply) =>
      reply
        .type('text/html')
        .send(
          '<!doctype html><p>latentlab studio: the web app is not built. Run <code>npm run studio:build</code>; the API is at <a href="/api/models">/api/models</a>.</p>',
        ),
    );
  }
  app.addHook('onClose', async () => {
    await jobs.close();
    await workers?.close();
    await models.close();
  });
  return studio;
}
