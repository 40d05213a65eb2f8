import { readFile } from 'node:fs/promises';
import { writeZip } from '../../../index.js';
import type { Studio } from '../app.js';
import { jobIdParams } from '../schemas.js';

const FINAL = new Set(['done', 'failed', 'cancelled', 'interrupted']);
/** A job folder larger than this is not zipped in memory (download its files one by one). */
const MAX_ZIP_BYTES = 512 << 20;

/**
 * Housekeeping of the job list: DELETE /api/jobs/:id (a finished job and its folder), DELETE /api/jobs
 * (every finished job), GET /api/jobs/:id/zip (a finished job's files and job.json as one ZIP).
 */
export function registerJobAdminRoutes({ app, jobs, workspace }: Studio): void {
  app.delete<{ Params: { id: string } }>(
    '/api/jobs/:id',
    { schema: { params: jobIdParams } },
    async (req) => {
      await jobs.remove(req.params.id);
      return { removed: [req.params.id] };
    },
  );

  app.delete('/api/jobs', async () => {
    const removed: string[] = [];
    for (const j of jobs.list()) {
      if (!FINAL.has(j.state)) continue;
      await jobs.remove(j.id);
      removed.push(j.id);
    }
    return { removed };
  });

  app.get<{ Params: { id: string } }>(
    '/api/jobs/:id/zip',
    { schema: { params: jobIdParams } },
    async (req, reply) => {
      const rec = jobs.get(req.params.id);
      const files = [...(rec.files ?? []), `jobs/${rec.id}/job.json`];
      const entries = [];
      let total = 0;
      for (const f of files) {
        const data = await readFile(workspace.resolve(f)).catch(() => null);
        if (!data) continue;
        total += data.length;
        if (total > MAX_ZIP_BYTES)
          return reply.status(413).send({
            error: `job ${rec.id}: its files exceed ${MAX_ZIP_BYTES >> 20} MiB; download them one by one`,
            statusCode: 413,
          });
        entries.push({
          name: `${rec.id}/${f.split('/').pop()}`,
          data,
          compress: !/\.(png|gif|mp4|webm)$/.test(f),
        });
      }
      return reply
        .type('application/zip')
        .header('content-disposition', `attachment; filename="latentlab-${rec.kind}-${rec.id}.zip"`)
        .send(Buffer.from(writeZip(entries, { align: 1 })));
    },
  );
}
