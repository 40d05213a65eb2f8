import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { OPSET, opNames } from '../../index.js';
import type { Command } from '../command.js';

export const infoCommand: Command = {
  name: 'info',
  summary: 'Show the runtime, threads and engine facts',
  usage: 'latentlab info',
  flags: [],
  async run(_args, out) {
    const require = createRequire(import.meta.url);
    const ortVersion = (require('onnxruntime-node/package.json') as { version: string }).version;
    out(`latentlab engine: ONNX opset ${OPSET}, ${opNames().length} primitives with VJP rules`);
    out(`runtime: onnxruntime-node ${ortVersion} (CPU), node ${process.version}`);
    out(
      `cpu: ${cpus()[0]?.model ?? 'unknown'} x${availableParallelism()}; threads: ${process.env.LATENTLAB_THREADS ?? 'auto'}`,
    );
  },
};
