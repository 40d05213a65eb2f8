// Warms a long-lived process's malloc heap once, so that the first model it loads finds memory already faulted in.
//
// Why: on a VM that reports freed memory to its host, every page a process touches for the first time costs a host
// fault (~3 ms per MiB measured here, against ~0.1 on bare metal), and ONNX Runtime's session creation and first run
// of a 256x256 generator touch ~200 MB fresh. With the long-lived processes' malloc settings (mallocEnv.ts,
// `withServerPages`) freed memory stays in the heap, so touching it once at start-up, through ONNX Runtime's own
// allocator, moves that cost out of the first request (first call 0.70-0.80 s -> 0.33-0.48 s, README issue 22).
import { ArgumentError, RuntimeFailure } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { expand } from '../graph/ops/movement.js';
import { reduceMax } from '../graph/ops/reduce.js';
import { trace } from '../graph/program.js';
import { compile } from './compile.js';

/** What `latentlab studio` and `latentlab worker` warm at start-up (--warm-heap): room for a 256x256 generator's session and first run (~200 MB) with margin. */
export const DEFAULT_WARM_HEAP_MIB = 512;

export interface HeapWarmth {
  bytes: number;
  ms: number;
}

/**
 * Has ONNX Runtime allocate, write and free `mib` MiB once (one Expand of a fed value, then its maximum), then closes the
 * session. Worth it only in a process whose heap keeps freed memory (`retainedHeapBytes` > 0); elsewhere the pages go
 * back to the system at once. The result is checked.
 */
export async function warmHeap(mib: number): Promise<HeapWarmth> {
  if (!(Number.isFinite(mib) && mib > 0)) throw new ArgumentError(`warmHeap: MiB must be a positive number, got ${mib}`);
  const count = Math.floor((mib * 2 ** 20) / 4);
  const started = performance.now();
  const program = trace({ one: { shape: [1] } }, ({ one }) => reduceMax(expand(one, [count])));
  const exe = await compile(program, { threads: 1, noCache: true });
  try {
    const [max] = await exe.run(Tensor.float32([1], [1.5]));
    if (max.data[0] !== 1.5) throw new RuntimeFailure(`warmHeap: expected 1.5, got ${max.data[0]}`);
  } finally {
    await exe.release();
  }
  return { bytes: count * 4, ms: performance.now() - started };
}
