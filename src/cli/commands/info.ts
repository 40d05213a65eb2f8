import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { ArgumentError, OPSET, opNames, sessionDefaults, threadsChosen } from '../../index.js';
import type { Command } from '../command.js';
import { modelCard } from './modelCard.js';

export const infoCommand: Command = {
  name: 'info',
  summary: "Show a model's card (training, evaluation), or the runtime, threads and engine facts",
  usage: 'latentlab info [MODEL]   (bundle folder, classifier or encoder bundle, .pkl / .pt / .pth)',
  flags: [],
  async run({ positionals }, out) {
    if (positionals.length > 1) throw new ArgumentError(`info: one model at a time, got ${positionals.length}`);
    if (positionals.length === 1) {
      for (const line of await modelCard(positionals[0])) out(line);
      return;
    }
    const require = createRequire(import.meta.url);
    const ortVersion = (require('onnxruntime-node/package.json') as { version: string }).version;
    out(`latentlab engine: ONNX opset ${OPSET}, ${opNames().length} primitives with VJP rules`);
    out(`runtime: onnxruntime-node ${ortVersion} (CPU), node ${process.version}`);
    out(
      `cpu: ${cpus()[0]?.model ?? 'unknown'} x${availableParallelism()}; threads: ${sessionDefaults().threads}${threadsChosen() ? '' : ' (auto)'}`,
    );
  },
};
