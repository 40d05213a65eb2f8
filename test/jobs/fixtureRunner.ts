// A job runner for LocalWorkerPool tests: no models, just the behaviours the pool must handle.
import type { JobRunner } from '../../src/jobs/protocol.js';

export function createRunner(init: { greeting: string }): JobRunner {
  return {
    async run(kind, params, ctx) {
      if (kind === 'echo') return { greeting: init.greeting, params, dir: ctx.dir, pid: process.pid };
      if (kind === 'steps') {
        const n = params.n as number;
        for (let i = 1; i <= n; i++) {
          ctx.checkCancelled();
          await new Promise((r) => setTimeout(r, 20));
          ctx.report({ step: i, total: n });
        }
        return { steps: n };
      }
      if (kind === 'hog') {
        // native memory, as ONNX Runtime's tensors are: outside the V8 heap cap, caught by the RSS watchdog
        const keep: Buffer[] = [];
        for (;;) {
          keep.push(Buffer.alloc(16 << 20, 1));
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      if (kind === 'spin') for (;;); // ignores cancel: only SIGKILL stops it
      if (kind === 'exit') process.exit(3);
      throw new Error(`no kind ${kind}`);
    },
  };
}
