// The child side of LocalWorkerPool: loads the runner module it is told to, then runs one job at a time,
// streaming progress back. Anything fatal (a native crash, the heap limit) ends this process; the pool
// sees the exit and fails the job.
import { pathToFileURL } from 'node:url';
import { JobCancelled } from './errors.js';
import type { CreateRunner, FromWorker, JobRunner, ToWorker } from './protocol.js';

if (!process.send) throw new Error('workerMain: start this file with child_process.fork');
const send = (m: FromWorker) => process.send!(m);
let runner: JobRunner | null = null;
const controllers = new Map<string, AbortController>();

async function init(module: string, initData: unknown): Promise<void> {
  try {
    const mod = (await import(pathToFileURL(module).href)) as { createRunner?: CreateRunner };
    if (typeof mod.createRunner !== 'function') throw new Error(`${module} exports no createRunner`);
    runner = await mod.createRunner(initData);
    send({ type: 'ready' });
  } catch (err) {
    send({ type: 'init-failed', error: (err as Error).stack ?? String(err) });
  }
}

async function run(m: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  const controller = new AbortController();
  controllers.set(m.id, controller);
  try {
    const result = await runner!.run(m.kind, m.params, {
      signal: controller.signal,
      dir: m.dir,
      report: (progress) => send({ type: 'progress', id: m.id, progress }),
      checkCancelled: () => {
        if (controller.signal.aborted) throw new JobCancelled('cancelled');
      },
    });
    send(controller.signal.aborted ? { type: 'cancelled', id: m.id } : { type: 'done', id: m.id, result });
  } catch (err) {
    if (err instanceof JobCancelled || controller.signal.aborted) send({ type: 'cancelled', id: m.id });
    else
      send({
        type: 'failed',
        id: m.id,
        error: (err as Error).message ?? String(err),
        name: (err as Error).name,
      });
  } finally {
    controllers.delete(m.id);
  }
}

process.on('message', (m: ToWorker) => {
  if (m.type === 'init') void init(m.module, m.init);
  else if (m.type === 'run') void run(m);
  else if (m.type === 'cancel') controllers.get(m.id)?.abort();
});
// the pool closes the IPC channel to stop us
process.on('disconnect', () => {
  void Promise.resolve(runner?.close?.()).finally(() => process.exit(0));
});
