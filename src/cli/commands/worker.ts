import { ArgumentError, setSessionDefaults, threadsChosen } from '../../index.js';
import type { Command } from '../command.js';
import { parseWarmHeap, startHeapWarmup, warmHeapFlag } from '../heapWarmup.js';
import { abortOnSignals } from '../signals.js';

/** `latentlab worker --queue redis://...`: runs queued shards (projections...) until stopped. */
export const workerCommand: Command = {
  name: 'worker',
  summary:
    'Run queued work from a Redis queue (BullMQ): start any number, on any machines (README: Scale out)',
  usage: 'latentlab worker --queue redis://HOST:PORT [--concurrency N] [--threads T] [--models DIR[,DIR...]]',
  flags: [
    {
      name: 'queue',
      type: 'string',
      help: 'redis://[user:password@]HOST:PORT[/db], rediss:// for TLS (password also from LATENTLAB_REDIS_PASSWORD)',
    },
    { name: 'concurrency', type: 'number', help: 'tasks this process runs at once', default: 1 },
    {
      name: 'models',
      type: 'string',
      help: "comma-separated folders of bundles this worker may load (matched by content hash; otherwise the submitter's path when visible here)",
    },
    {
      name: 'lock-seconds',
      type: 'number',
      help: "a killed worker's task is re-run elsewhere after about this long",
      default: 30,
    },
    {
      name: 'attempts',
      type: 'number',
      help: 'runs of a task that kill their worker before the task fails',
      default: 3,
    },
    warmHeapFlag,
  ],
  async run({ flags, positionals }, out) {
    if (!flags.queue) throw new ArgumentError('worker: --queue redis://HOST:PORT is required');
    const concurrency = Number(flags.concurrency);
    const lock = Number(flags['lock-seconds']);
    const attempts = Number(flags.attempts);
    const warmHeapMib = parseWarmHeap(flags['warm-heap']);
    if (!(lock >= 1)) throw new ArgumentError(`--lock-seconds must be >= 1, got ${flags['lock-seconds']}`);
    if (!Number.isInteger(attempts) || attempts < 1)
      throw new ArgumentError(`--attempts must be a positive integer, got ${flags.attempts}`);
    // one ONNX Runtime thread per task unless --threads says otherwise: N workers x 1 thread fill N cores,
    // and results match a single-process run made with the same thread count
    if (!threadsChosen()) setSessionDefaults({ threads: 1 });
    const modelDirs = [...String(flags.models ?? '').split(','), ...positionals]
      .map((d) => d.trim())
      .filter(Boolean);
    const {
      runEditStrip,
      runFcdShard,
      runGanspaceShard,
      runGenerateShard,
      runInterfaceganShard,
      runProjectShard,
      startQueueWorker,
    } =
      await import('../../jobs/queue/index.js');
    // studio --queue sends its jobs as 'studio-job' tasks (the workspace must be visible here at the same path)
    const { runStudioTask } = await import('../../studio/server/jobWorker.js');
    type StudioTask = Parameters<typeof runStudioTask>[0];
    // Handlers before the worker announces itself (whoever reads that may signal at once). A second Ctrl-C (not
    // the same one relayed by the launcher, bin/latentlab.js) abandons the running tasks.
    const signals = abortOnSignals(['SIGINT', 'SIGTERM'], () =>
      out(`latentlab worker ${process.pid}: stopping (running tasks finish first; Ctrl-C again to abandon them)`),
    );
    const worker = await startQueueWorker({
      url: String(flags.queue),
      concurrency,
      modelDirs,
      lockMs: lock * 1000,
      attempts,
      handlers: {
        project: runProjectShard,
        generate: runGenerateShard,
        'interfacegan-part': runInterfaceganShard,
        'ganspace-part': runGanspaceShard,
        'fcd-part': runFcdShard,
        'edit-strip': runEditStrip,
        'studio-job': (data, ctx) => runStudioTask(data as StudioTask, ctx),
      },
      log: (line) => out(`latentlab worker ${process.pid}: ${line}`),
    }).catch((err: unknown) => {
      signals.dispose();
      throw err;
    });
    const warmed = startHeapWarmup(warmHeapMib, out);
    if (!signals.signal.aborted)
      await new Promise((resolve) => signals.signal.addEventListener('abort', resolve, { once: true }));
    await warmed;
    await worker.close();
    signals.dispose();
  },
};
