import type { Studio } from '../types.js';
import type { StudioJobKind } from '../types.js';
import type { JobEvent } from '../jobQueue.js';
import { jobIdParams } from '../schemas.js';

const FINAL = new Set(['done', 'failed', 'cancelled', 'interrupted']);

/**
 * Jobs: POST /api/jobs/<kind> (202 + the record), list, one, cancel, and GET /api/jobs/:id/events,
 * a server-sent-event stream of 'state' and 'progress' events that ends when the job does.
 */
export function registerJobRoutes({ app, jobs }: Studio, kinds: Record<string, StudioJobKind>): void {
  app.get('/api/jobs', async () => jobs.list());
  app.get('/api/job-kinds', async () =>
    Object.entries(kinds).map(([kind, k]) => ({ kind, summary: k.summary, schema: k.schema })),
  );

  for (const [kind, def] of Object.entries(kinds)) {
    app.post<{ Body: Record<string, unknown> }>(
      `/api/jobs/${kind}`,
      { schema: { body: def.schema } },
      async (req, reply) => {
        const rec = await jobs.submit(kind, req.body);
        return reply.status(202).send(rec);
      },
    );
  }

  app.get<{ Params: { id: string } }>('/api/jobs/:id', { schema: { params: jobIdParams } }, async (req) =>
    jobs.get(req.params.id),
  );

  app.post<{ Params: { id: string } }>(
    '/api/jobs/:id/cancel',
    { schema: { params: jobIdParams } },
    async (req) => jobs.cancel(req.params.id),
  );

  app.get<{ Params: { id: string } }>(
    '/api/jobs/:id/events',
    { schema: { params: jobIdParams } },
    async (req, reply) => {
      const rec = jobs.get(req.params.id);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      const send = (e: JobEvent) =>
        res.write(`event: ${e.type}\ndata: ${JSON.stringify(e.type === 'state' ? e.job : e.progress)}\n\n`);
      send({ type: 'state', job: rec });
      if (FINAL.has(rec.state)) {
        res.end();
        return;
      }
      // a comment line now and then keeps idle connections (long projections) open through proxies
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      const stop = () => {
        clearInterval(heartbeat);
        off();
      };
      const off = jobs.subscribe(rec.id, (e) => {
        send(e);
        if (e.type === 'state' && FINAL.has(e.job.state)) {
          stop();
          res.end();
        }
      });
      req.raw.on('close', stop);
    },
  );
}
