import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'bullmq';
import { ArgumentError } from '../../core/errors.js';

/** The BullMQ queue every latentlab submitter and worker uses (one Redis may hold other apps' queues). */
export const QUEUE_NAME = 'latentlab';

/**
 * `redis://[user:password@]host:port[/db]` or `rediss://...` (TLS) -> ioredis options. The password may also
 * come from LATENTLAB_REDIS_PASSWORD (kept out of `ps`); LATENTLAB_REDIS_CA names a CA file for TLS.
 */
export function queueConnection(url: string, env: NodeJS.ProcessEnv = process.env): ConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ArgumentError(
      `--queue: '${url}' is not a URL (expected redis://HOST:PORT or rediss://HOST:PORT)`,
    );
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new ArgumentError(`--queue: '${url}' must start with redis:// or rediss:// (TLS)`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new ArgumentError(`--queue: bad database number in '${url}'`);
  const password = u.password ? decodeURIComponent(u.password) : env.LATENTLAB_REDIS_PASSWORD;
  const ca = env.LATENTLAB_REDIS_CA;
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: password || undefined,
    db,
    tls:
      u.protocol === 'rediss:'
        ? { ca: ca ? readFileSync(ca) : undefined, servername: u.hostname }
        : undefined,
    // BullMQ workers block on Redis: retry forever rather than fail a command after N reconnects
    maxRetriesPerRequest: null,
  };
}

/** The URL without its password, for log lines. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** A Redis key a submitter sets to ask the workers to stop a task. */
export const cancelKey = (jobId: string) => `latentlab:cancel:${jobId}`;
