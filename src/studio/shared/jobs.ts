// Job types shared by the studio server (src/studio/server) and the web app (src/studio/web): one
// definition, imported by both. Imports only type-only, dependency-free modules, so Vite can bundle it.
import type { JobProgress } from '../../jobs/protocol.js';

export type { JobProgress };

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

/** A job as GET /api/jobs returns it and jobs/<id>/job.json stores it. */
export interface JobRecord {
  id: string;
  kind: string;
  params: Record<string, unknown>;
  state: JobState;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  progress?: JobProgress;
  error?: string;
  /** What the job returned: JSON, naming its files relative to the job's folder. */
  result?: unknown;
  /** Files of a finished job, relative to the workspace (jobs/<id>/...). */
  files?: string[];
  /** The CLI command that does the same thing. */
  command?: string;
}
